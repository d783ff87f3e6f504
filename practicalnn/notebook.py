"""The regularization notebook's functions, under its names and signatures, extended to L layers.

Parameters are the notebook's dicts ``W1..WL, b1..bL``; caches are its flat tuples, extended layer
by layer:

- without dropout: ``(Z1, A1, W1, b1, ..., ZL, AL, WL, bL)``
- with dropout: ``(Z1, D1, A1, W1, b1, ..., Z[L-1], D[L-1], A[L-1], W[L-1], b[L-1], ZL, AL, WL, bL)``

Every function is a thin adapter over the engine (``practicalnn.core.network.Network``): it copies
the dicts into a network's flat buffer, calls the engine, and converts the result back. None of
the math is written here a second time. Randomness replays the notebook's streams (weights from
``RandomState(3)``, dropout masks from a ``RandomState(1)`` made afresh at every forward pass), so
``model(train_X, train_Y, keep_prob=0.86)`` prints the notebook's figures; the global random state
is never touched.

Unlike the rest of the library, ``predict`` and ``model`` print, because the notebook's do.
"""

from __future__ import annotations

import numpy as np

from .core.dropout import NotebookMasks, keep_probs
from .core.losses import output_layer
from .core.network import Cache, Network
from .core.penalties import Penalty
from .core.random import streams
from .data.datasets import load_moons as _load_moons_dataset
from .training.optimizers import GradientDescent
from .training.trainer import TrainConfig, train

__all__ = [
    "backward_propagation",
    "backward_propagation_with_dropout",
    "backward_propagation_with_regularization",
    "compute_cost",
    "compute_cost_with_regularization",
    "forward_propagation",
    "forward_propagation_with_dropout",
    "initialize_parameters",
    "load_moons",
    "model",
    "plot_decision_boundary",
    "predict",
    "predict_dec",
    "update_parameters",
]


# -- between the notebook's dicts and tuples and the engine -----------------------------------
def _n_layers(parameters):
    L = 0
    while f"W{L + 1}" in parameters:
        L += 1
    return L


def _network(Ws, bs):
    sizes = [Ws[0].shape[1]] + [W.shape[0] for W in Ws]
    net = Network(sizes, "relu", "sigmoid")
    for layer, (W, b) in enumerate(zip(Ws, bs), start=1):
        net.W[layer][...] = W
        net.b[layer][...] = np.reshape(b, net.b[layer].shape)
    return net


def _network_from_parameters(parameters):
    L = _n_layers(parameters)
    return _network(
        [np.asarray(parameters[f"W{l}"], float) for l in range(1, L + 1)],
        [np.asarray(parameters[f"b{l}"], float) for l in range(1, L + 1)],
    )


def _cache_tuple(net, cache, with_dropout):
    items = []
    L = net.n_layers
    for layer in range(1, L + 1):
        items.append(cache.Z[layer])
        if with_dropout and layer < L:
            items.append(cache.D[layer])
        items += [cache.A[layer], net.W[layer], net.b[layer]]
    return tuple(items)


def _unpack_cache(X, cache, with_dropout, keep_prob=1.0):
    """The engine's network and Cache from the notebook's tuple."""
    items = list(cache)
    Ws, bs, Z, A, D = [], [], [None], [X], [None]
    # hidden layers have 5 items with dropout (Z, D, A, W, b), 4 without; the output layer has 4
    per = 5 if with_dropout else 4
    L = (len(items) - 4) // per + 1
    if (L - 1) * per + 4 != len(items):
        raise ValueError(
            f"cache: {len(items)} items do not fit the notebook's {'dropout ' if with_dropout else ''}cache layout"
        )
    pos = 0
    for layer in range(1, L + 1):
        if with_dropout and layer < L:
            z, d, a, w, b = items[pos : pos + 5]
            pos += 5
        else:
            z, a, w, b = items[pos : pos + 4]
            d = None
            pos += 4
        Z.append(np.asarray(z, float))
        A.append(np.asarray(a, float))
        D.append(None if d is None else np.asarray(d))
        Ws.append(np.asarray(w, float))
        bs.append(np.asarray(b, float))
    net = _network(Ws, bs)
    keep = keep_probs(L, keep_prob) if with_dropout else None
    return net, Cache(Z=Z, A=A, D=D, keep=keep)


def _gradients(net, cache, Y, penalty):
    flat = net.backward(cache, np.asarray(Y, float), penalty, keep_intermediates=True)
    dW, db = net.layout.views(flat)
    grads = dict(cache.grads)
    for layer in range(1, net.n_layers + 1):
        grads[f"dW{layer}"] = dW[layer].copy()
        grads[f"db{layer}"] = db[layer].copy()
    return grads


# -- the notebook's functions ------------------------------------------------------------------
def load_moons():
    """The notebook's data: ``(train_X, train_Y, test_X, test_Y)`` of shapes (2, 134), (1, 134),
    (2, 66), (1, 66)."""
    d = _load_moons_dataset()
    return d.train_X, d.train_Y, d.test_X, d.test_Y


def initialize_parameters(layer_dims):
    """``W[l] = randn(n_l, n_{l-1}) / sqrt(n_{l-1})`` from ``RandomState(3)``, ``b[l] = 0``."""
    net = Network(layer_dims, "relu", "sigmoid")
    net.initialize("notebook", streams("notebook").init)
    return net.parameters()


def forward_propagation(X, parameters):
    """LINEAR -> RELU -> ... -> LINEAR -> SIGMOID. Returns ``(AL, cache)``."""
    net = _network_from_parameters(parameters)
    cache = net.forward(np.asarray(X, float))
    return cache.A[net.n_layers], _cache_tuple(net, cache, with_dropout=False)


def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):
    """Forward pass with inverted dropout on every hidden layer; masks drawn as the notebook does
    (``RandomState(1)`` afresh, layer by layer, ``rand(n_l, m) < keep_prob``)."""
    net = _network_from_parameters(parameters)
    cache = net.forward(np.asarray(X, float), keep_probs(net.n_layers, keep_prob), NotebookMasks(1))
    return cache.A[net.n_layers], _cache_tuple(net, cache, with_dropout=True)


def compute_cost(a3, Y):
    """Cross-entropy cost, formula (1)."""
    return output_layer("sigmoid").cost(np.asarray(a3, float), np.asarray(Y, float))


def compute_cost_with_regularization(A3, Y, parameters, lambd):
    """Cross-entropy plus the L2 term of formula (2): ``lambd/(2m) * sum_l ||W[l]||^2``."""
    Y = np.asarray(Y, float)
    Ws = [None] + [np.asarray(parameters[f"W{l}"], float) for l in range(1, _n_layers(parameters) + 1)]
    return compute_cost(A3, Y) + Penalty(l2=lambd).cost(Ws, Y.shape[1])


def backward_propagation(X, Y, cache):
    """Gradients of the cross-entropy cost: ``dZl, dWl, dbl`` for every layer and ``dAl`` for hidden ones."""
    net, engine_cache = _unpack_cache(np.asarray(X, float), cache, with_dropout=False)
    return _gradients(net, engine_cache, Y, None)


def backward_propagation_with_regularization(X, Y, cache, lambd):
    """Gradients of the L2-regularized cost: ``dW[l] += lambd/m * W[l]``."""
    net, engine_cache = _unpack_cache(np.asarray(X, float), cache, with_dropout=False)
    return _gradients(net, engine_cache, Y, Penalty(l2=lambd))


def backward_propagation_with_dropout(X, Y, cache, keep_prob):
    """Gradients with the forward pass's masks reapplied: ``dA = dA * D / keep_prob``."""
    net, engine_cache = _unpack_cache(np.asarray(X, float), cache, with_dropout=True, keep_prob=keep_prob)
    return _gradients(net, engine_cache, Y, None)


def update_parameters(parameters, grads, learning_rate):
    """One gradient-descent step: ``W[l] = W[l] - learning_rate * dW[l]`` (and b)."""
    net = _network_from_parameters(parameters)
    grad = np.empty_like(net.params)
    dW, db = net.layout.views(grad)
    for layer in range(1, net.n_layers + 1):
        dW[layer][...] = grads[f"dW{layer}"]
        db[layer][...] = np.reshape(grads[f"db{layer}"], db[layer].shape)
    gd = GradientDescent()
    gd.update(net.params, grad, learning_rate, gd.init(net.params))
    return net.parameters()


def predict(X, y, parameters):
    """Predict 0/1 with threshold 0.5, print ``Accuracy: ...`` as the notebook does, return (1, m) ints."""
    net = _network_from_parameters(parameters)
    p = net.predict(np.asarray(X, float))
    print("Accuracy: " + str(np.mean(p[0, :] == np.asarray(y)[0, :])))
    return p


def predict_dec(parameters, X):
    """Boolean predictions (``a3 > 0.5``), the function the decision-boundary plot calls."""
    net = _network_from_parameters(parameters)
    return net.predict(np.asarray(X, float)).astype(bool)


def model(
    X,
    Y,
    learning_rate=0.3,
    num_iterations=30000,
    print_cost=True,
    lambd=0,
    keep_prob=1,
    *,
    layers_dims=None,
    plot_cost=True,
):
    """The notebook's model: LINEAR->RELU->LINEAR->RELU->LINEAR->SIGMOID, ``layers_dims``
    ``[n_x, 20, 3, 1]`` unless given. L2 (``lambd``) and dropout (``keep_prob``) may be combined,
    unlike in the exercise. Prints the cost every 10000 iterations and plots it every 1000."""
    X = np.asarray(X, float)
    dims = layers_dims or [X.shape[0], 20, 3, 1]
    net = Network(dims, "relu", "sigmoid")
    history = train(
        net,
        X,
        Y,
        TrainConfig(
            learning_rate=learning_rate, iterations=num_iterations, l2=lambd, keep_prob=keep_prob, record_every=1000
        ),
        rng="notebook",
        init="notebook",
    )
    if print_cost:
        for i, cost in zip(history.iterations, history.cost):
            if i % 10000 == 0:
                print(f"Cost after iteration {i}: {cost}")
    if plot_cost:
        import matplotlib.pyplot as plt

        plt.figure()
        plt.plot(history.cost)
        plt.ylabel("cost")
        plt.xlabel("iterations (x1,000)")
        plt.title("Learning rate =" + str(learning_rate))
        _show()
    return net.parameters()


def plot_decision_boundary(model, X, y):
    """The notebook's plot: ``model`` maps (n, 2) points to classes; X is (2, m), y its labels.
    Axis limits already set on the current axes are kept."""
    import matplotlib.pyplot as plt

    from .report.plots import plot_decision_boundary as draw

    ax = plt.gca()
    limits = {} if ax.get_autoscale_on() else {"xlim": ax.get_xlim(), "ylim": ax.get_ylim()}
    draw(
        lambda pts: np.asarray(model(pts)).astype(int),
        np.asarray(X),
        np.asarray(y),
        ax=ax,
        title=ax.get_title() or None,
        **limits,
    )
    _show()


def _show():
    """Show the current figure as the notebook's ``plt.show()`` does, and be done with it: a backend that
    can show (Jupyter's inline one, a window) shows it; one that cannot (Agg, svg, pdf: no display) would
    keep it open for good, so it is closed. The user's backend is never changed."""
    import matplotlib
    import matplotlib.pyplot as plt

    fig = plt.gcf()
    inline = "inline" in matplotlib.get_backend().lower()
    if inline or fig.canvas.required_interactive_framework is not None:
        plt.show()
    else:
        plt.close(fig)

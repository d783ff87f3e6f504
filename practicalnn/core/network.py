"""A fully connected network of any depth, laid out as in the notes.

X is (n_x, m), one column per example; W[l] is (n_l, n_{l-1}); b[l] is (n_l, 1); A[l] is
(n_l, m). All W and b live in one flat buffer (``network.params``); ``network.W[l]`` and
``network.b[l]`` are views into it, so writing either changes the other.

The forward and backward passes mirror the notebook's operations one for one (``Z = W @ A + b``,
``dW = 1/m * dZ @ A_prev.T + lambda/m * W``) so that its printed figures come out to the last digit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import DataError, bad
from .activations import hidden_activation
from .dropout import drop, drop_backward, uses_dropout
from .initializers import initializer
from .losses import output_layer
from .memory import network_bytes, require
from .params import ParamLayout
from .penalties import Penalty


@dataclass
class Cache:
    """What the forward pass keeps for the backward pass. Lists are indexed by layer 0..L;
    ``A[0]`` is the (possibly dropped) input and ``A[l]`` for hidden l is post-dropout (what the
    next layer consumes, and what the notebook's cache holds). ``G[l]`` is g(Z[l]) before dropout,
    kept only for dropped layers: the activation's derivative needs it (tanh' = 1 - g^2)."""

    Z: list
    A: list
    D: list
    keep: list | None = None
    G: list | None = None
    grads: dict = field(default_factory=dict)

    def activation(self, layer):
        """g(Z[layer]) before dropout."""
        if self.G is not None and self.G[layer] is not None:
            return self.G[layer]
        return self.A[layer]


class Network:
    """A fully connected network.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_x, n_1, ..., n_L]``: input size, hidden sizes, output size.
    activation : str
        Hidden activation: relu, leaky_relu, tanh or sigmoid.
    output : str
        sigmoid (binary cross-entropy), softmax (categorical cross-entropy) or identity (squared error).
    dtype : numpy dtype
        float64 (default; the notebook's figures need it) or float32.
    """

    def __init__(self, layer_sizes, activation="relu", output="sigmoid", dtype=np.float64):
        if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__iter__"):
            raise bad("layer_sizes", layer_sizes, "a sequence of sizes [n_x, n_1, ..., n_L]")
        self.layout = ParamLayout(layer_sizes)
        self.hidden = hidden_activation(activation)
        self.output = output_layer(output)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise bad("dtype", str(self.dtype), "float32 or float64")
        if self.output.name == "softmax" and self.layer_sizes[-1] < 2:
            raise bad("layer_sizes", list(self.layer_sizes), "at least 2 output units for a softmax output")
        require(f"a network of layer_sizes {list(self.layer_sizes)}", network_bytes(self.layer_sizes, self.dtype))
        self.params = np.zeros(self.layout.size, self.dtype)
        self.W, self.b = self.layout.views(self.params)

    # -- description -------------------------------------------------------------------------
    @property
    def layer_sizes(self):
        return self.layout.layer_sizes

    @property
    def n_layers(self):
        return self.layout.n_layers

    def config(self):
        return {
            "layer_sizes": list(self.layer_sizes),
            "activation": self.hidden.name,
            "output": self.output.name,
            "dtype": self.dtype.name,
        }

    def __repr__(self):
        return f"Network({list(self.layer_sizes)}, activation={self.hidden.name!r}, output={self.output.name!r})"

    def copy(self, dtype=None):
        """An independent copy (in ``dtype``, default this network's)."""
        other = Network(self.layer_sizes, self.hidden, self.output, dtype or self.dtype)
        other.params[...] = self.params
        return other

    # -- parameters --------------------------------------------------------------------------
    def initialize(self, init="he", rng=None):
        """Draw W[l] layer by layer with scheme ``init`` from ``rng``; set every b[l] to zero.

        ``rng`` is a Generator or legacy RandomState (see ``practicalnn.core.random.streams``)."""
        scheme = initializer(init)
        if rng is None:
            raise bad("rng", rng, "a numpy.random.Generator or RandomState to draw from")
        for layer in range(1, self.n_layers + 1):
            n, n_prev = self.layer_sizes[layer], self.layer_sizes[layer - 1]
            self.W[layer][...] = scheme.weights(rng, n, n_prev)
            self.b[layer][...] = 0
        return self

    def set_params(self, flat):
        flat = np.asarray(flat)
        if flat.shape != self.params.shape:
            raise bad("params", f"array of shape {flat.shape}", f"shape {self.params.shape}")
        self.params[...] = flat

    def parameters(self):
        """The parameters as the notebook's dict ``{"W1": ..., "b1": ..., ...}`` (copies)."""
        out = {}
        for layer in range(1, self.n_layers + 1):
            out[f"W{layer}"] = self.W[layer].copy()
            out[f"b{layer}"] = self.b[layer].copy()
        return out

    # -- data --------------------------------------------------------------------------------
    def check_X(self, X, argument="X"):
        try:
            X = np.asarray(X)
        except (ValueError, TypeError):
            raise bad(argument, type(X).__name__, "a rectangular 2-D array of numbers", DataError) from None
        if X.ndim != 2:
            raise bad(argument, f"array of shape {X.shape}", "a 2-D (n_x, m) array, one column per example", DataError)
        if X.shape[0] != self.layer_sizes[0]:
            raise bad(
                argument,
                f"array of shape {X.shape}",
                f"{self.layer_sizes[0]} rows (features), one column per example",
                DataError,
            )
        if X.shape[1] == 0:
            raise bad(argument, f"array of shape {X.shape}", "at least one example (column)", DataError)
        if not np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.complexfloating):
            raise bad(argument, f"array of dtype {X.dtype}", "real numbers", DataError)
        if not np.isfinite(X).all():
            raise bad(argument, "an array with NaN or inf", "finite numbers", DataError)
        return X.astype(self.dtype, copy=False)

    def check_Y(self, Y, m, argument="Y"):
        Y = self.output.encode(Y, self.layer_sizes[-1])
        if Y.shape[1] != m:
            raise bad(argument, f"{Y.shape[1]} examples", f"{m}, one per column of X", DataError)
        if not np.isfinite(Y).all():
            raise bad(argument, "labels with NaN or inf", "finite labels", DataError)
        return Y.astype(self.dtype, copy=False)

    # -- the passes ---------------------------------------------------------------------------
    def forward(self, X, keep=None, masks=None):
        """Forward pass over X (n_x, m). With ``keep`` (from ``dropout.keep_probs``) and a mask
        source, applies inverted dropout; otherwise none. Returns the Cache."""
        L = self.n_layers
        dropout = uses_dropout(keep)
        if dropout:
            masks.begin_pass()
        Z, A, D = [None] * (L + 1), [None] * (L + 1), [None] * (L + 1)
        G = [None] * (L + 1) if dropout else None
        A[0] = X
        if dropout and keep[0] < 1:
            D[0] = masks.draw(X.shape, keep[0])
            A[0] = drop(X, D[0], keep[0])
        for layer in range(1, L + 1):
            Z[layer] = np.dot(self.W[layer], A[layer - 1]) + self.b[layer]
            if layer == L:
                A[layer] = self.output.activation.forward(Z[layer])
                break
            A[layer] = self.hidden.forward(Z[layer])
            if dropout and keep[layer] < 1:
                D[layer] = masks.draw(A[layer].shape, keep[layer])
                G[layer] = A[layer]
                A[layer] = drop(A[layer], D[layer], keep[layer])
        return Cache(Z=Z, A=A, D=D, keep=keep if dropout else None, G=G)

    def cost(self, cache, Y, penalty=None):
        """``(J, J_unpenalized)``: the cost with the penalty term and without it."""
        L = self.n_layers
        unpenalized = self.output.cost(cache.A[L], Y, cache.Z[L])
        if penalty:
            return unpenalized + penalty.cost(self.W, Y.shape[1]), unpenalized
        return unpenalized, unpenalized

    def backward(self, cache, Y, penalty=None, out=None, keep_intermediates=False):
        """Backward pass: the gradient of J (penalty included) as one flat array laid out like
        ``params``. With ``keep_intermediates`` the dA[l] and dZ[l] land in ``cache.grads``."""
        L = self.n_layers
        m = Y.shape[1]
        grad = np.empty_like(self.params) if out is None else out
        dW, db = self.layout.views(grad)
        Z, A, D, keep = cache.Z, cache.A, cache.D, cache.keep
        dZ = self.output.dZ(A[L], Y)
        for layer in range(L, 0, -1):
            if keep_intermediates:
                cache.grads[f"dZ{layer}"] = dZ
            dW[layer][...] = 1.0 / m * np.dot(dZ, A[layer - 1].T)
            if penalty:
                penalty.add_grad(dW[layer], self.W[layer], m)
            db[layer][...] = 1.0 / m * np.sum(dZ, axis=1, keepdims=True)
            if layer == 1:
                break
            dA = np.dot(self.W[layer].T, dZ)
            if D[layer - 1] is not None:
                dA = drop_backward(dA, D[layer - 1], keep[layer - 1])
            if keep_intermediates:
                cache.grads[f"dA{layer - 1}"] = dA
            dZ = self.hidden.backward(dA, Z[layer - 1], cache.activation(layer - 1))
        return grad

    def loss_and_grad(self, X, Y, penalty=None, keep=None, masks=None):
        """One forward and backward pass: ``(J, J_unpenalized, grad)``."""
        cache = self.forward(X, keep, masks)
        J, J0 = self.cost(cache, Y, penalty)
        return J, J0, self.backward(cache, Y, penalty)

    # -- prediction ---------------------------------------------------------------------------
    def forward_checked(self, X, argument="X"):
        """The forward pass without dropout, as prediction makes it: ``X`` checked as ``check_X``
        does, and a DataError rather than NaN when finite inputs overflow on the way (values
        around 1e200, say). Returns the Cache."""
        return self._forward_finite(self.check_X(X, argument), argument)

    def _forward_finite(self, X, argument):
        with np.errstate(over="ignore", invalid="ignore"):
            cache = self.forward(X)
        if not np.isfinite(cache.A[self.n_layers]).all():
            inputs, weights = float(np.abs(X).max()), float(np.abs(self.params).max())
            if weights > max(inputs, 1.0):  # the network, not the data, is out of range
                raise bad(
                    "network",
                    f"parameters up to {weights:.3g}",
                    f"parameters small enough for the arithmetic not to overflow on {argument} "
                    f"(values up to {inputs:.3g}); such weights come from a diverging run: "
                    "train again with a smaller learning_rate",
                    DataError,
                )
            raise bad(
                argument,
                f"values up to {inputs:.3g}",
                "inputs small enough for the network's arithmetic not to overflow (standardize them)",
                DataError,
            )
        return cache

    def predict_proba(self, X):
        """The output activations A[L] (n_y, m), without dropout (see ``forward_checked``)."""
        return self.forward_checked(X).A[self.n_layers]

    def predict(self, X):
        """Class predictions (1, m): 0/1 for sigmoid, the argmax for softmax; values for identity."""
        return self.output.predict(self.predict_proba(X))

    def accuracy(self, X, Y):
        """Fraction of examples whose prediction equals the label (classification outputs)."""
        X = self.check_X(X)
        Y = self.check_Y(Y, X.shape[1])
        return self.output.accuracy(self._forward_finite(X, "X").A[self.n_layers], Y)

    def evaluate(self, X, Y):
        """``(accuracy, unpenalized cost)`` on data in one forward pass without dropout; the
        accuracy is None for an identity output."""
        X = self.check_X(X)
        Y = self.check_Y(Y, X.shape[1])
        if self.output.name == "identity":
            return None, self.cost(self.forward(X), Y)[1]
        cache = self._forward_finite(X, "X")
        return self.output.accuracy(cache.A[self.n_layers], Y), self.cost(cache, Y)[1]

    def cost_on(self, X, Y, penalty=None):
        """J (penalised) and unpenalised on data, without dropout."""
        X = self.check_X(X)
        Y = self.check_Y(Y, X.shape[1])
        return self.cost(self.forward(X), Y, penalty or Penalty())

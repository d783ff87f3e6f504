"""A fully connected network of any depth, laid out as in the notes.

X is (n_x, m), one column per example; W[l] is (n_l, n_{l-1}); b[l] is (n_l, 1); A[l] is
(n_l, m). All W and b live in one flat buffer (``network.params``); ``network.W[l]`` and
``network.b[l]`` are views into it, so writing either changes the other.

The forward and backward passes mirror the notebook's operations one for one (``Z = W @ A + b``,
``dW = 1/m * dZ @ A_prev.T + lambda/m * W``) so that its printed figures come out to the last digit.

With batch normalization (``batch_norm=True``, or one bool per hidden layer) a normalized hidden layer
computes ``Z = W @ A_prev`` (no b), normalizes it over the batch and scales it (``core.batchnorm``):
``Z_tilde = gamma * Z_norm + beta`` goes into the activation. ``forward(..., training=True)`` (the
default: the trainer's and the gradient check's pass) normalizes with the batch's own mu and sigma^2;
``training=False`` (prediction, ``evaluate``, ``cost_on``) with the running averages, which only
``update_running`` (called by the trainer once per step) changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import argument_error
from . import batchnorm as bn
from .activations import hidden_activation
from .dropout import drop, drop_backward, uses_dropout
from .initializers import initializer
from .losses import output_layer
from .memory import network_bytes, require
from .params import ParamLayout
from .prediction import Predicting


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
    norm: dict = field(default_factory=dict)  # layer -> BatchCache of a training-mode pass

    def activation(self, layer):
        """g(Z[layer]) before dropout."""
        if self.G is not None and self.G[layer] is not None:
            return self.G[layer]
        return self.A[layer]


class Network(Predicting):
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
    batch_norm : bool or list of bool
        Batch normalization of every hidden layer (True) or of those flagged (one bool per hidden layer).
    bn_epsilon : float
        The epsilon of sqrt(sigma^2 + epsilon) (> 0).
    bn_decay : float
        The decay of the running averages of mu and sigma^2, in [0, 1).
    """

    def __init__(
        self,
        layer_sizes,
        activation="relu",
        output="sigmoid",
        dtype=np.float64,
        *,
        batch_norm=False,
        bn_epsilon=bn.EPSILON,
        bn_decay=bn.DECAY,
    ):
        if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__iter__"):
            raise argument_error("layer_sizes", layer_sizes, "a sequence of sizes [n_x, n_1, ..., n_L]")
        sizes = list(layer_sizes)
        normalized = bn.normalized_layers(len(sizes) - 1, batch_norm) if len(sizes) >= 2 else ()
        self.layout = ParamLayout(sizes, normalized)
        self.hidden = hidden_activation(activation)
        self.output = output_layer(output)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise argument_error("dtype", str(self.dtype), "float32 or float64")
        if self.output.name == "softmax" and self.layer_sizes[-1] < 2:
            raise argument_error("layer_sizes", list(self.layer_sizes), "at least 2 output units for a softmax output")
        require(f"a network of layer_sizes {list(self.layer_sizes)}", network_bytes(self.layer_sizes, self.dtype))
        self.params = np.zeros(self.layout.size, self.dtype)
        self.W, self.b = self.layout.views(self.params)
        self.gamma, self.beta = self.layout.norm_views(self.params)
        self.bn_epsilon, self.bn_decay = bn.check_epsilon(bn_epsilon), bn.check_decay(bn_decay)
        self.running = bn.RunningStats({k: self.layer_sizes[k] for k in normalized}, self.bn_decay, self.dtype)

    # -- description -------------------------------------------------------------------------
    @property
    def layer_sizes(self):
        return self.layout.layer_sizes

    @property
    def n_layers(self):
        return self.layout.n_layers

    @property
    def normalized(self):
        """The numbers of the hidden layers with batch normalization (empty without it)."""
        return self.layout.normalized

    @property
    def batch_norm(self):
        """One bool per hidden layer: whether it is batch-normalized."""
        return [layer in self.normalized for layer in range(1, self.n_layers)]

    def config(self):
        """The description files store; batch normalization's keys only when some layer uses it, so that
        files of other networks stay as they were."""
        out = {
            "layer_sizes": list(self.layer_sizes),
            "activation": self.hidden.name,
            "output": self.output.name,
            "dtype": self.dtype.name,
        }
        if self.normalized:
            out.update(batch_norm=self.batch_norm, bn_epsilon=self.bn_epsilon, bn_decay=self.bn_decay)
        return out

    def __repr__(self):
        norm = f", batch_norm={self.batch_norm}" if self.normalized else ""
        return f"Network({list(self.layer_sizes)}, activation={self.hidden.name!r}, output={self.output.name!r}{norm})"

    def copy(self, dtype=None):
        """An independent copy (in ``dtype``, default this network's), running averages included."""
        other = Network(
            self.layer_sizes,
            self.hidden,
            self.output,
            dtype or self.dtype,
            batch_norm=self.batch_norm,
            bn_epsilon=self.bn_epsilon,
            bn_decay=self.bn_decay,
        )
        other.params[...] = self.params
        other.running.set_flat(*self.running.flat())
        return other

    # -- parameters --------------------------------------------------------------------------
    def initialize(self, init="he", rng=None):
        """Draw W[l] layer by layer with scheme ``init`` from ``rng``; set every b[l] (and beta[l]) to zero
        and every gamma[l] to one (the identity scaling); reset the running averages.

        ``rng`` is a Generator or legacy RandomState (see ``practicalnn.core.random.streams``)."""
        scheme = initializer(init)
        if rng is None:
            raise argument_error("rng", rng, "a numpy.random.Generator or RandomState to draw from")
        for layer in range(1, self.n_layers + 1):
            n, n_prev = self.layer_sizes[layer], self.layer_sizes[layer - 1]
            self.W[layer][...] = scheme.weights(rng, n, n_prev)
            if layer in self.normalized:
                self.gamma[layer][...], self.beta[layer][...] = 1, 0
            else:
                self.b[layer][...] = 0
        self.running = bn.RunningStats({k: self.layer_sizes[k] for k in self.normalized}, self.bn_decay, self.dtype)
        return self

    def set_params(self, flat):
        flat = np.asarray(flat)
        if flat.shape != self.params.shape:
            raise argument_error("params", f"array of shape {flat.shape}", f"shape {self.params.shape}")
        self.params[...] = flat

    def parameters(self):
        """The parameters as the notebook's dict ``{"W1": ..., "b1": ..., ...}`` (copies), in theta's
        order; ``gamma1``, ``beta1`` in place of ``b1`` for a normalized layer."""
        return {name: self.layout.view(self.params, name).copy() for name in self.layout.slices}

    # -- the passes ---------------------------------------------------------------------------
    def forward(self, X, keep=None, masks=None, training=True):
        """Forward pass over X (n_x, m). With ``keep`` (from ``dropout.keep_probs``) and a mask
        source, applies inverted dropout; otherwise none. ``training`` chooses batch normalization's
        statistics: the batch's own (True) or the running averages (False); it changes nothing in a
        network without batch normalization. Nothing here updates the running averages
        (``update_running`` does). Returns the Cache; ``Z[l]`` is what the activation takes (Z_tilde
        for a normalized layer)."""
        L = self.n_layers
        dropout = uses_dropout(keep)
        if dropout:
            masks.begin_pass()
        Z, A, D = [None] * (L + 1), [None] * (L + 1), [None] * (L + 1)
        G = [None] * (L + 1) if dropout else None
        norm = {}
        A[0] = X
        if dropout and keep[0] < 1:
            D[0] = masks.draw(X.shape, keep[0])
            A[0] = drop(X, D[0], keep[0])
        for layer in range(1, L + 1):
            if layer in self.normalized:
                Z[layer] = self._normalize(layer, np.dot(self.W[layer], A[layer - 1]), training, norm)
            else:
                Z[layer] = np.dot(self.W[layer], A[layer - 1]) + self.b[layer]
            if layer == L:
                A[layer] = self.output.activation.forward(Z[layer])
                break
            A[layer] = self.hidden.forward(Z[layer])
            if dropout and keep[layer] < 1:
                D[layer] = masks.draw(A[layer].shape, keep[layer])
                G[layer] = A[layer]
                A[layer] = drop(A[layer], D[layer], keep[layer])
        return Cache(Z=Z, A=A, D=D, keep=keep if dropout else None, G=G, norm=norm)

    def _normalize(self, layer, Z, training, norm):
        gamma, beta = self.gamma[layer], self.beta[layer]
        if not training:
            mean, var = self.running.mean[layer], self.running.var[layer]
            return bn.normalize_inference(Z, gamma, beta, mean, var, self.bn_epsilon)
        Z_tilde, norm[layer] = bn.normalize(Z, gamma, beta, self.bn_epsilon)
        return Z_tilde

    def update_running(self, cache):
        """Fold the batch statistics of a training-mode pass into the running averages (once per step)."""
        for layer, batch in cache.norm.items():
            self.running.update(layer, batch)

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
        dgamma, dbeta = self.layout.norm_views(grad)
        Z, A, D, keep = cache.Z, cache.A, cache.D, cache.keep
        dZ = self.output.dZ(A[L], Y)
        for layer in range(L, 0, -1):
            if keep_intermediates:
                cache.grads[f"dZ{layer}"] = dZ
            if layer in self.normalized:
                if layer not in cache.norm:
                    raise argument_error(
                        "cache", "a pass with training=False", "a training-mode forward pass to differentiate"
                    )
                dZ, dgamma[layer][...], dbeta[layer][...] = bn.normalize_backward(
                    dZ, self.gamma[layer], cache.norm[layer]
                )
            dW[layer][...] = 1.0 / m * np.dot(dZ, A[layer - 1].T)
            if penalty:
                penalty.add_grad(dW[layer], self.W[layer], m)
            if layer not in self.normalized:
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

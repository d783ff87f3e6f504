"""Vanishing and exploding signals (notes 11 and 12).

A deep network (``depth`` hidden layers of ``width`` units and one sigmoid output) receives one
forward and one backward pass on random input; per layer we measure the standard deviation of the
activations A[l] and the Frobenius norm of dW[l]. A layer whose gradient norm is below 1e-6 or above
1e6 times the last layer's is flagged vanishing or exploding; so is a layer whose activations' spread
is that far from the input's. With variance ``c / n[l-1]`` and relu the spread changes by about
``sqrt(c / 2)`` per layer: He (c = 2) keeps it, Xavier (c = 1) shrinks it by 0.71 a layer, and the
"large random" normal(0, 10^2) multiplies it by ``10 * sqrt(n / 2)``.

The notes' linear demonstration is ``linear_chain``: with no activation and W = 1.5 I (or 0.5 I)
the output after l layers is 1.5^l (or 0.5^l).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core.activations import Identity
from ..core.batchnorm import EPSILON
from ..core.initializers import Initializer
from ..core.network import Network
from ..core.random import generator
from ..errors import argument_error
from ..validation import Integral, Interval, Options, Real, check
from .signal_memory import check_memory, linear_bytes, signal_bytes

__all__ = [
    "THRESHOLD",
    "LinearChain",
    "SignalProfile",
    "check_memory",
    "describe_flags",
    "linear_bytes",
    "linear_chain",
    "signal_bytes",
    "signal_propagation",
    "signal_study",
]

#: A layer is flagged when its gradient norm (or activation spread) is this many times smaller or
#: larger than the reference (the last layer's gradient, the input's spread).
THRESHOLD = 1e6
COUNT = Interval(Integral, 1, None)


def _flag(value, reference, threshold):
    if not np.isfinite(value):
        return "non-finite"
    if value == 0:
        return "zero"
    if not np.isfinite(reference) or reference == 0:
        return ""
    ratio = value / reference
    if ratio < 1 / threshold:
        return "vanishing"
    if ratio > threshold:
        return "exploding"
    return ""


def describe_flags(flagged):
    """``{"vanishing": [1, 2, 3, 7]}`` as ``"vanishing 1-3, 7"``; "-" when nothing is flagged."""
    if not flagged:
        return "-"
    parts = []
    for flag, layers in flagged.items():
        runs, start, prev = [], layers[0], layers[0]
        for layer in layers[1:] + [None]:
            if layer is not None and layer == prev + 1:
                prev = layer
                continue
            runs.append(f"{start}" if start == prev else f"{start}-{prev}")
            if layer is not None:
                start = prev = layer
        parts.append(f"{flag} {', '.join(runs)}")
    return "; ".join(parts)


@dataclass
class SignalProfile:
    """Per-layer signal of one (initializer, activation) pair; lists are indexed by layer 1..L
    (position 0 is layer 1; the last is the output layer).

    Attributes
    ----------
    activation_std : list of float
        Standard deviation of A[l] over all its entries.
    grad_norm : list of float
        ``||dW[l]||_F``.
    grad_ratio : list of float
        ``||dW[l]|| / ||dW[L]||`` (nan when the last layer's gradient is 0).
    grad_flags, activation_flags : list of str
        "", "vanishing", "exploding", "zero" or "non-finite" per layer.
    preactivation_std : list of float
        Standard deviation of Z[l] (what the activation takes: Z_tilde for a batch-normalized layer).
    batch_norm : bool
        Whether every hidden layer was batch-normalized.
    """

    init: str
    activation: str
    layer_sizes: list
    input_std: float
    activation_std: list
    grad_norm: list
    grad_ratio: list
    grad_flags: list
    activation_flags: list
    preactivation_std: list
    batch_norm: bool = False

    @property
    def label(self):
        """The initializer, with " + batch norm" for a batch-normalized profile."""
        return f"{self.init} + batch norm" if self.batch_norm else self.init

    def flagged(self, kind="grad"):
        """``{flag: [layers]}`` of the flagged layers, for "grad" or "activation" flags."""
        flags = self.grad_flags if kind == "grad" else self.activation_flags
        out = {}
        for layer, flag in enumerate(flags, start=1):
            if flag:
                out.setdefault(flag, []).append(layer)
        return out

    def describe_flags(self, kind="grad"):
        """The flagged layers as text: ``"vanishing 1-3, 7"``; "-" when nothing is flagged."""
        return describe_flags(self.flagged(kind))

    def to_dict(self):
        return {
            "init": self.init,
            "activation": self.activation,
            "layer_sizes": self.layer_sizes,
            "input_std": self.input_std,
            "activation_std": self.activation_std,
            "grad_norm": self.grad_norm,
            "grad_ratio": self.grad_ratio,
            "grad_flags": self.grad_flags,
            "activation_flags": self.activation_flags,
            "preactivation_std": self.preactivation_std,
            "batch_norm": self.batch_norm,
        }


def signal_propagation(
    depth=50,
    width=100,
    init="he",
    activation="relu",
    *,
    examples=256,
    scale=10.0,
    rng=0,
    threshold=THRESHOLD,
    batch_norm=False,
    bn_epsilon=EPSILON,
):
    """One forward and backward pass of a deep network on random input, measured layer by layer.

    Parameters
    ----------
    depth : int
        Hidden layers (each of ``width`` units); one sigmoid output unit follows.
    width : int
        Units per hidden layer, and input features.
    init : str or Initializer
        Initialization scheme; ``scale`` is the standard deviation of "normal".
    activation : str
        Hidden activation.
    examples : int
        Columns of the random input X ~ N(0, 1) (labels are random 0/1).
    rng : seed or Generator
        Draws the input, the labels and the weights.
    threshold : float
        Flag a layer whose ratio to the reference is below 1/threshold or above threshold.
    batch_norm : bool
        Batch-normalize every hidden layer (training mode): the activations stay in range whatever the init.
    bn_epsilon : float
        The epsilon of batch normalization's sqrt(sigma^2 + epsilon).

    Returns
    -------
    SignalProfile
    """
    depth, width, examples = (
        check(n, v, COUNT) for n, v in (("depth", depth), ("width", width), ("examples", examples))
    )
    threshold = check("threshold", threshold, Interval(Real, 1, None, closed="neither"))
    check_memory(signal_bytes(depth, width, examples), depth=depth, width=width, examples=examples)
    rng = generator(rng)
    scheme = init if isinstance(init, Initializer) else Initializer(init, scale=scale)
    net = Network([width] * (depth + 1) + [1], activation, "sigmoid", batch_norm=batch_norm, bn_epsilon=bn_epsilon)
    net.initialize(scheme, rng)
    X = rng.standard_normal((width, examples))
    Y = rng.integers(0, 2, (1, examples))
    with np.errstate(all="ignore"):  # overflow and saturation are what is being measured
        cache = net.forward(X, training=True)  # with batch_norm: the batch's statistics, as in training
        grad = net.backward(cache, Y.astype(float))
        dW, _ = net.layout.views(grad)
        stds = [float(np.std(cache.A[layer])) for layer in range(1, net.n_layers + 1)]
        z_stds = [float(np.std(cache.Z[layer])) for layer in range(1, net.n_layers + 1)]
        norms = [float(np.linalg.norm(dW[layer])) for layer in range(1, net.n_layers + 1)]
        last = norms[-1]
        ratios = [n / last if last and np.isfinite(last) else float("nan") for n in norms]
    input_std = float(np.std(X))
    return SignalProfile(
        scheme.name,
        net.hidden.name,
        list(net.layer_sizes),
        input_std,
        stds,
        norms,
        ratios,
        [_flag(n, last, threshold) for n in norms],
        [_flag(s, input_std, threshold) for s in stds[:-1]] + [""],
        z_stds,
        bool(net.normalized),
    )


def signal_study(
    depth=50,
    width=100,
    inits=("normal", "xavier", "he"),
    activations=("relu", "tanh", "sigmoid"),
    *,
    examples=256,
    scale=10.0,
    rng=0,
    threshold=THRESHOLD,
    progress=None,
    batch_norm=False,
    bn_epsilon=EPSILON,
):
    """``signal_propagation`` for every (init, activation) pair, each from the same seed.

    With ``batch_norm`` every pair is measured twice, the batch-normalized profile right after the plain
    one (the same input and weights). ``progress(done, total)`` is called after each profile. Returns a
    list of SignalProfile."""
    if not inits:
        raise argument_error("inits", list(inits), "at least one initialization scheme (he, xavier, normal, ...)")
    if not activations:
        raise argument_error(
            "activations", list(activations), "at least one hidden activation (relu, tanh, sigmoid, ...)"
        )
    check("rng", rng, None, Interval(Integral, 0, None))  # a seed, so that every pair sees the same input
    check("batch_norm", batch_norm, Options([False, True]))
    variants = (False, True) if batch_norm else (False,)
    profiles, total = [], len(inits) * len(activations) * len(variants)
    shared = {"examples": examples, "scale": scale, "rng": rng, "threshold": threshold, "bn_epsilon": bn_epsilon}
    for activation in activations:
        for init in inits:
            for normalized in variants:
                profiles.append(signal_propagation(depth, width, init, activation, batch_norm=normalized, **shared))
                if progress is not None:
                    progress(len(profiles), total)
    return profiles


@dataclass
class LinearChain:
    """The notes' demonstration: the output of each layer of a linear network with W[l] = factor I."""

    factor: float
    width: int
    values: list  # A[l][0, 0] for l = 1..depth, from the network's forward pass
    expected: list  # factor ** l

    def to_dict(self):
        return {"factor": self.factor, "width": self.width, "values": self.values, "expected": self.expected}


def linear_chain(factor=1.5, depth=10, width=3):
    """Feed x = ones through ``depth`` linear layers (no activation, b = 0) with W[l] = factor * I.

    The output of layer l is factor^l in every unit: above 1 it explodes, below 1 it vanishes
    (notes 11). Computed with the network's own forward pass."""
    depth, width = check("depth", depth, COUNT), check("width", width, COUNT)
    factor = check("factor", factor, Interval(Real, None, None))
    check_memory(linear_bytes(depth, width), depth=depth, width=width)
    net = Network([width] * (depth + 1), Identity(), "identity")
    for layer in range(1, depth + 1):
        net.W[layer][...] = factor * np.eye(width)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):  # an exploding chain overflows: inf, then nan
        cache = net.forward(np.ones((width, 1)))
    values = [float(cache.A[layer][0, 0]) for layer in range(1, depth + 1)]
    return LinearChain(factor, width, values, [_power(factor, l) for l in range(1, depth + 1)])


def _power(factor, l):
    """``factor ** l`` as float64 reads it: beyond its largest number, infinite, not an OverflowError
    (the network's own forward pass overflows there too: inf, then nan once inf * 0 enters W @ A)."""
    try:
        return factor**l
    except OverflowError:
        return math.inf if factor > 0 or l % 2 == 0 else -math.inf

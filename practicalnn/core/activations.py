"""Activation functions, each with its derivative right beside it.

``forward(Z)`` returns A; ``backward(dA, Z, A)`` returns dZ = dA * g'(Z). Formulas follow the
notebook's helpers (``relu = maximum(0, Z)``, ``sigmoid = 1 / (1 + exp(-Z))``) so that its figures
are reproduced to the last digit.
"""

from __future__ import annotations

import numpy as np

from ..errors import argument_error


class Activation:
    name = ""

    def forward(self, Z):
        raise NotImplementedError

    def backward(self, dA, Z, A):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


class ReLU(Activation):
    name = "relu"

    def forward(self, Z):
        return np.maximum(0, Z)

    def backward(self, dA, Z, A):
        return dA * (Z > 0)


class LeakyReLU(Activation):
    name = "leaky_relu"

    def __init__(self, slope=0.01):
        self.slope = slope

    def forward(self, Z):
        return np.where(Z > 0, Z, self.slope * Z)

    def backward(self, dA, Z, A):
        return dA * np.where(Z > 0, 1.0, self.slope).astype(dA.dtype, copy=False)


class Tanh(Activation):
    name = "tanh"

    def forward(self, Z):
        return np.tanh(Z)

    def backward(self, dA, Z, A):
        return dA * (1 - A * A)


class Sigmoid(Activation):
    name = "sigmoid"

    def forward(self, Z):
        with np.errstate(over="ignore"):  # exp(-Z) = inf for Z << 0 gives the correct 0
            return 1 / (1 + np.exp(-Z))

    def backward(self, dA, Z, A):
        return dA * (A * (1 - A))


class Identity(Activation):
    name = "identity"

    def forward(self, Z):
        return Z

    def backward(self, dA, Z, A):
        return dA


class Softmax(Activation):
    """Column-wise softmax (one column per example). Used only as an output, where the loss
    supplies dZ directly, so it has no separate backward."""

    name = "softmax"

    def forward(self, Z):
        shifted = Z - Z.max(axis=0, keepdims=True)
        e = np.exp(shifted)
        return e / e.sum(axis=0, keepdims=True)


HIDDEN = {cls.name: cls for cls in (ReLU, LeakyReLU, Tanh, Sigmoid)}


def hidden_activation(name):
    """The hidden-layer activation called ``name`` (relu, leaky_relu, tanh, sigmoid)."""
    if isinstance(name, Activation):
        return name
    try:
        return HIDDEN[name]()
    except (KeyError, TypeError):
        raise argument_error("activation", name, f"one of {', '.join(HIDDEN)}") from None

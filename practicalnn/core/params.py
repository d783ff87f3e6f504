"""One flat parameter buffer; W[l] and b[l] are views into it.

The order is the notes' theta: W1, b1, W2, b2, ..., WL, bL, each flattened in C order. A layer with
batch normalization has no b (beta takes its place) and holds W, gamma, beta in that order:
with every hidden layer normalized, theta is W1, gamma1, beta1, W2, gamma2, beta2, ..., WL, bL.
Gradient checking gets theta for free, an optimizer step is one operation on one array (gamma and
beta get the same updates as W and b), and a model file stores one array.
"""

from __future__ import annotations

import numpy as np

from ..errors import argument_error
from ..validation import Integral, Interval

SIZE = Interval(Integral, 1, None)


class ParamLayout:
    """Where each W[l] and b[l] (or gamma[l], beta[l] for the ``normalized`` layers) lives inside the
    flat buffer of a network with ``layer_sizes``."""

    def __init__(self, layer_sizes, normalized=()):
        sizes = tuple(layer_sizes)
        if len(sizes) < 2:
            raise argument_error("layer_sizes", list(sizes), "at least two sizes (input and output)")
        for n in sizes:
            if SIZE.convert(n) is None:
                raise argument_error("layer_sizes", list(sizes), "positive integers")
        self.layer_sizes = tuple(int(n) for n in sizes)
        self.normalized = tuple(normalized)
        self.slices = {}
        offset = 0
        for layer in range(1, len(sizes)):
            n, n_prev = self.layer_sizes[layer], self.layer_sizes[layer - 1]
            self.slices[f"W{layer}"] = (slice(offset, offset + n * n_prev), (n, n_prev))
            offset += n * n_prev
            for name in ("gamma", "beta") if layer in self.normalized else ("b",):
                self.slices[f"{name}{layer}"] = (slice(offset, offset + n), (n, 1))
                offset += n
        self.size = offset

    @property
    def n_layers(self):
        """L: the number of layers with weights (hidden layers plus the output layer)."""
        return len(self.layer_sizes) - 1

    def views(self, flat):
        """Return lists ``W, b`` indexed 1..L (index 0 is None) of views into ``flat``; b[l] is None
        for a normalized layer."""
        W, b = [None], [None]
        for layer in range(1, self.n_layers + 1):
            W.append(self.view(flat, f"W{layer}"))
            b.append(None if layer in self.normalized else self.view(flat, f"b{layer}"))
        return W, b

    def norm_views(self, flat):
        """Return lists ``gamma, beta`` indexed 1..L of views into ``flat``; None where a layer is not normalized."""
        gamma, beta = [None] * (self.n_layers + 1), [None] * (self.n_layers + 1)
        for layer in self.normalized:
            gamma[layer], beta[layer] = self.view(flat, f"gamma{layer}"), self.view(flat, f"beta{layer}")
        return gamma, beta

    def view(self, flat, name):
        where, shape = self.slices[name]
        return flat[where].reshape(shape)

    def name_of(self, index):
        """The parameter name of a flat index, as the notes write it: ``W2[1, 0]`` or ``b3[0, 0]``."""
        if not 0 <= index < self.size:
            raise argument_error("index", index, f"an index in [0, {self.size})")
        for name, (where, shape) in self.slices.items():
            if where.start <= index < where.stop:
                row, col = np.unravel_index(index - where.start, shape)
                return f"{name}[{row}, {col}]"
        raise AssertionError("unreachable: the slices cover the buffer")

    def array_of(self, index):
        """The name of the array (``W2``, ``b3``, ``gamma1``) that holds a flat index."""
        return self.name_of(index).split("[")[0]

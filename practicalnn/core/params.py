"""One flat parameter buffer; W[l] and b[l] are views into it.

The order is the notes' theta: W1, b1, W2, b2, ..., WL, bL, each flattened in C order. Gradient
checking gets theta for free, an optimizer step is one operation on one array, and a model file
stores one array.
"""

from __future__ import annotations

import numpy as np

from ..errors import bad
from ..validation import Integral, Interval

SIZE = Interval(Integral, 1, None)


class ParamLayout:
    """Where each W[l] and b[l] lives inside the flat buffer of a network with ``layer_sizes``."""

    def __init__(self, layer_sizes):
        sizes = tuple(layer_sizes)
        if len(sizes) < 2:
            raise bad("layer_sizes", list(sizes), "at least two sizes (input and output)")
        for n in sizes:
            if SIZE.convert(n) is None:
                raise bad("layer_sizes", list(sizes), "positive integers")
        self.layer_sizes = tuple(int(n) for n in sizes)
        self.slices = {}
        offset = 0
        for layer in range(1, len(sizes)):
            n, n_prev = self.layer_sizes[layer], self.layer_sizes[layer - 1]
            self.slices[f"W{layer}"] = (slice(offset, offset + n * n_prev), (n, n_prev))
            offset += n * n_prev
            self.slices[f"b{layer}"] = (slice(offset, offset + n), (n, 1))
            offset += n
        self.size = offset

    @property
    def n_layers(self):
        """L: the number of layers with weights (hidden layers plus the output layer)."""
        return len(self.layer_sizes) - 1

    def views(self, flat):
        """Return lists ``W, b`` indexed 1..L (index 0 is None) of views into ``flat``."""
        W, b = [None], [None]
        for layer in range(1, self.n_layers + 1):
            W.append(self.view(flat, f"W{layer}"))
            b.append(self.view(flat, f"b{layer}"))
        return W, b

    def view(self, flat, name):
        where, shape = self.slices[name]
        return flat[where].reshape(shape)

    def name_of(self, index):
        """The parameter name of a flat index, as the notes write it: ``W2[1, 0]`` or ``b3[0, 0]``."""
        if not 0 <= index < self.size:
            raise bad("index", index, f"an index in [0, {self.size})")
        for name, (where, shape) in self.slices.items():
            if where.start <= index < where.stop:
                row, col = np.unravel_index(index - where.start, shape)
                return f"{name}[{row}, {col}]"
        raise AssertionError("unreachable: the slices cover the buffer")

    def array_of(self, index):
        """The name of the array (``W2``, ``b3``) that holds a flat index."""
        return self.name_of(index).split("[")[0]

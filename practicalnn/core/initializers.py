"""Weight initialization schemes (notes 12 and 15). Biases always start at zero.

Every scheme draws ``standard_normal((n_l, n_{l-1}))`` layer by layer from the generator it is
given and scales it; the numerator of the variance is a parameter, as the notes suggest.

| name     | variance of W[l]              |
|----------|-------------------------------|
| zeros    | 0 (no symmetry breaking)       |
| normal   | scale**2 ("large random": 10) |
| xavier   | numerator / n[l-1] (1)        |
| glorot   | numerator / (n[l-1] + n[l]) (2)|
| he       | numerator / n[l-1] (2)        |
| notebook | randn / sqrt(n[l-1])          |
"""

from __future__ import annotations

import numpy as np

from ..errors import argument_error

SCHEMES = ("zeros", "normal", "xavier", "glorot", "he", "notebook")
_DEFAULT_NUMERATOR = {"xavier": 1.0, "glorot": 2.0, "he": 2.0}


class Initializer:
    """A scheme with its knobs: ``scale`` for normal, ``numerator`` for xavier, glorot and he."""

    def __init__(self, name="he", *, scale=10.0, numerator=None):
        if name not in SCHEMES:
            raise argument_error("init", name, f"one of {', '.join(SCHEMES)}")
        if not np.isfinite(scale) or scale < 0:
            raise argument_error("scale", scale, "a finite number >= 0")
        if numerator is not None and (not np.isfinite(numerator) or numerator <= 0):
            raise argument_error("numerator", numerator, "a finite number > 0")
        self.name = name
        self.scale = float(scale)
        self.numerator = float(numerator if numerator is not None else _DEFAULT_NUMERATOR.get(name, 1.0))

    def weights(self, rng, n, n_prev):
        """Draw W of shape (n, n_prev) from ``rng`` (a Generator or a legacy RandomState)."""
        if self.name == "zeros":
            return np.zeros((n, n_prev))
        draw = rng.standard_normal((n, n_prev))
        if self.name == "notebook":
            return draw / np.sqrt(n_prev)
        if self.name == "normal":
            return draw * self.scale
        if self.name == "glorot":
            return draw * np.sqrt(self.numerator / (n_prev + n))
        return draw * np.sqrt(self.numerator / n_prev)  # xavier, he

    def __repr__(self):
        return f"Initializer({self.name!r}, scale={self.scale}, numerator={self.numerator})"


def initializer(spec):
    """An Initializer from a name or an Initializer."""
    if isinstance(spec, Initializer):
        return spec
    return Initializer(spec)

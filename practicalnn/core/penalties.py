"""Weight penalties: L2 (formula (2) of the notebook) and L1 (notes 5). Biases are not penalised.

L2:  J + lambda/(2m) * sum_l ||W[l]||_F^2      dW[l] += lambda/m * W[l]
L1:  J + lambda/(2m) * sum_l sum |W[l]|         dW[l] += lambda/(2m) * sign(W[l])
"""

from __future__ import annotations

import numpy as np

from ..validation import Interval, Real, check

STRENGTH = Interval(Real, 0, None)


class Penalty:
    """L2 and L1 together; either may be zero."""

    def __init__(self, l2=0.0, l1=0.0):
        self.l2 = check("l2", l2, STRENGTH)
        self.l1 = check("l1", l1, STRENGTH)

    def __bool__(self):
        return bool(self.l2 or self.l1)

    def cost(self, W, m):
        """The penalty term for weights ``W[1..L]`` (index 0 unused) over ``m`` examples."""
        total = 0.0
        if self.l2:
            total += self.l2 * sum(np.sum(np.square(w)) for w in W[1:]) / (2 * m)
        if self.l1:
            total += self.l1 * sum(np.sum(np.abs(w)) for w in W[1:]) / (2 * m)
        return float(total)

    def add_grad(self, dW, W, m):
        """Add the penalty's gradient to ``dW`` (one layer) in place."""
        if self.l2:
            dW += (self.l2 * W) / m
        if self.l1:
            dW += self.l1 / (2 * m) * np.sign(W)

    def __repr__(self):
        return f"Penalty(l2={self.l2}, l1={self.l1})"

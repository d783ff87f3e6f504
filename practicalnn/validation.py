"""The one way the library checks its arguments.

Constraints are declared, in the style of scikit-learn's ``Interval`` and ``StrOptions`` (which the
estimators use, as scikit-learn users expect), and checked by ``check``, so that every argument
error reads the same: ``argument=value: expected ...``::

    rate = check("learning_rate", rate, Interval(Real, 0, None, closed="neither"))
    size = check("batch_size", size, None, Interval(Integral, 1, None))   # None, or an integer >= 1
    name = check("optimizer", name, Options(["gd", "adam"]))

Numbers must be finite and never bool; an integer constraint takes Python and NumPy integers (and
floats with an integral value, such as ``2.0``, are refused: a count is written as an integer). The
value returned is a plain ``float`` or ``int``.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

from .errors import ConfigError, argument_error

__all__ = ["Integral", "Interval", "Options", "Real", "check", "describe"]


class Interval:
    """Numbers of ``kind`` (``Real`` or ``Integral``) between ``left`` and ``right`` (None: unbounded).

    ``closed`` is "both", "left", "right" or "neither", as in scikit-learn."""

    def __init__(self, kind, left, right, *, closed="both"):
        if kind not in (Real, Integral, float, int):
            raise TypeError(f"kind={kind!r}: expected numbers.Real or numbers.Integral")
        if closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"closed={closed!r}: expected 'both', 'left', 'right' or 'neither'")
        self.integer = kind in (Integral, int)
        self.left, self.right, self.closed = left, right, closed

    def convert(self, value):
        """The value as a plain int or float if it satisfies the constraint, else None."""
        if isinstance(value, bool) or not isinstance(value, Integral if self.integer else Real):
            return None
        value = int(value) if self.integer else float(value)
        if not math.isfinite(value):
            return None
        if self.left is not None:
            if value < self.left or (value == self.left and self.closed in ("right", "neither")):
                return None
        if self.right is not None:
            if value > self.right or (value == self.right and self.closed in ("left", "neither")):
                return None
        return value

    def __str__(self):
        what = "an integer" if self.integer else "a finite number"
        lo_in, hi_in = self.closed in ("both", "left"), self.closed in ("both", "right")
        if self.left is not None and self.right is not None:
            if self.integer and lo_in and hi_in:
                return f"{what} from {self.left} to {self.right}"
            return f"{what} in {'[' if lo_in else '('}{self.left:g}, {self.right:g}{']' if hi_in else ')'}"
        if self.left is not None:
            return f"{what} {'>=' if lo_in else '>'} {self.left:g}"
        if self.right is not None:
            return f"{what} {'<=' if hi_in else '<'} {self.right:g}"
        return what


class Options:
    """One of a fixed set of values (names, usually)."""

    def __init__(self, values):
        self.values = tuple(values)

    def convert(self, value):
        try:
            return value if value in self.values else None
        except TypeError:  # unhashable or uncomparable
            return None

    def __str__(self):
        return "one of " + ", ".join(str(v) for v in self.values)


def describe(allowed):
    """What a list of constraints accepts, in words."""
    words = ["None" if c is None else str(c) for c in allowed]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def check(name, value, *allowed, error=ConfigError):
    """``value`` converted by the first constraint in ``allowed`` it satisfies (None in ``allowed``
    admits None); otherwise ``error`` naming ``name``, the value and what was expected."""
    for constraint in allowed:
        if constraint is None:
            if value is None:
                return None
            continue
        converted = constraint.convert(value)
        if converted is not None:
            return converted
    raise argument_error(name, value, describe(allowed), error)

"""argparse type functions of the flags that take lists, and the parse-time check that numbers are finite.

A type function raises ``argparse.ArgumentTypeError``; argparse then prints
``practicalnn CMD: error: argument --FLAG: <message>`` and exits 2, so the flag is always named.
"""

from __future__ import annotations

import argparse
import math


def comma_list(text, what="values", *, unique=False):
    """The stripped parts of a comma-separated flag value ("a, b" -> [a, b]).

    An empty value, an empty part ("a,,b", "a,") and, with ``unique``, a part given twice are
    refused: they are typing mistakes, and dropping them would run something the user did not ask for.
    """
    parts = [p.strip() for p in str(text).split(",")]
    if parts == [""]:
        raise argparse.ArgumentTypeError(f"{text!r}: expected comma-separated {what}, at least one")
    if "" in parts:
        raise argparse.ArgumentTypeError(f"{text!r} has an empty part: expected comma-separated {what}")
    if unique:
        twice = next((p for i, p in enumerate(parts) if p in parts[:i]), None)
        if twice is not None:
            raise argparse.ArgumentTypeError(f"{text!r} names {twice!r} twice: expected distinct {what}")
    return parts


def names(what):
    """Type of a flag naming distinct things (initializations, activations): a list of str."""

    def parse(text):
        return comma_list(text, what, unique=True)

    parse.__name__ = "names"
    return parse


def _numbers(text, what, unique):
    parts = comma_list(text, what, unique=unique)
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected comma-separated {what}") from None
    if unique and len(set(values)) < len(values):  # "0.1,1e-1": the same number twice
        raise argparse.ArgumentTypeError(f"{text!r} gives a value twice: expected distinct {what}")
    return values


def float_grid(text):
    """A grid of distinct numbers ("0,0.1,0.7"), as ``sweep --l2`` and ``--keep-prob`` take."""
    return _numbers(text, "numbers, like 0,0.1,0.7", unique=True)


def keep_prob_value(text):
    """--keep-prob: a probability, or a comma list of them, one per hidden layer."""
    values = _numbers(text, "probabilities in (0, 1], one or one per hidden layer", unique=False)
    return values[0] if len(values) == 1 else values


def hidden_value(text):
    """--hidden: comma-separated layer sizes ("20,3"), or "" for no hidden layer; kept as text for
    ``training.run.hidden_sizes``, which checks the sizes."""
    if str(text).strip() == "":
        return ""
    comma_list(text, "positive integers, like 20,3 ('' for no hidden layer)")
    return text


def non_finite(namespace):
    """The first parsed flag whose number (or number in a list) is inf or nan, as (dest, value); or None."""
    for dest, value in sorted(vars(namespace).items()):
        values = value if isinstance(value, (list, tuple)) else [value]
        if any(isinstance(v, float) and not math.isfinite(v) for v in values):
            return dest, value
    return None


def layer_numbers(text):
    """Type of ``--batch-norm LAYERS``: distinct hidden layer numbers, counted from 1 ("1,3" -> (1, 3))."""
    parts = comma_list(text, "hidden layer numbers (1 is the first hidden layer)", unique=True)
    try:
        layers = tuple(int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected hidden layer numbers like 1,3") from None
    if min(layers) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected hidden layer numbers from 1 (the first hidden layer)")
    return tuple(sorted(layers))

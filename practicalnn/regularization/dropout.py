"""Inverted dropout (notes 7 and 8, notebook section 3).

``keep_prob`` applies to hidden layers: one float for all, or a list with one per hidden layer.
``input_keep_prob`` applies to the input features (default 1: none dropped). The output layer is
never dropped, and nothing is dropped at prediction. A mask D is drawn at each forward pass and
reused by the backward pass of the same iteration:

    forward:   A = A * D;  A = A / keep_prob
    backward:  dA = dA * D;  dA = dA / keep_prob
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import bad


def _check_prob(name, p):
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not (0 < p <= 1):
        raise bad(name, p, "a probability in (0, 1]")
    return float(p)


def keep_probs(n_layers, keep_prob=1.0, input_keep_prob=1.0):
    """Per-layer keep probabilities ``[input, hidden 1, ..., hidden L-1]`` for a network of
    ``n_layers`` weight layers; the output layer has none."""
    n_hidden = n_layers - 1
    if isinstance(keep_prob, (list, tuple, np.ndarray)):
        hidden = [_check_prob("keep_prob", p) for p in keep_prob]
        if len(hidden) != n_hidden:
            raise bad("keep_prob", list(keep_prob), f"one value per hidden layer ({n_hidden})")
    else:
        hidden = [_check_prob("keep_prob", keep_prob)] * n_hidden
    return [_check_prob("input_keep_prob", input_keep_prob)] + hidden


def uses_dropout(probs):
    return probs is not None and any(p < 1 for p in probs)

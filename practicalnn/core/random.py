"""Explicit randomness. Nothing here reads or writes NumPy's global random state.

A training run draws from three independent streams: the initial weights, the dropout masks and
the mini-batch shuffles. ``streams(rng)`` makes them from a seed, a ``numpy.random.Generator``, or
the string ``"notebook"``, which replays the regularization notebook's draws bit for bit with local
legacy ``RandomState`` objects: weights from ``RandomState(3)`` and dropout masks from a
``RandomState(1)`` created afresh at every forward pass (what the notebook's ``np.random.seed(1)``
inside ``forward_propagation_with_dropout`` does). That second rule means the notebook uses the
*same* masks at every iteration: a quirk of the exercise, kept only for the replay. The default
mode draws new masks at every iteration, as the notes prescribe.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import bad
from .dropout import FreshMasks, NotebookMasks

NOTEBOOK = "notebook"


@dataclass
class Streams:
    init: object  # Generator or RandomState: the initial weights
    masks: object  # FreshMasks or NotebookMasks
    shuffle: object  # Generator: mini-batch order
    mode: str = "default"


def generator(seed):
    """A Generator from None, an int seed, a SeedSequence or a Generator (returned as is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if (
        seed is None
        or isinstance(seed, (np.random.SeedSequence,))
        or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0)
    ):
        return np.random.default_rng(seed)
    raise bad("seed", seed, "None, a non-negative integer or a numpy.random.Generator")


def streams(rng=None):
    """The three streams of a training run, from ``rng``: None, a seed, a Generator or "notebook"."""
    if isinstance(rng, str):
        if rng != NOTEBOOK:
            raise bad("rng", rng, "'notebook', a seed, a numpy.random.Generator or None")
        return Streams(
            init=np.random.RandomState(3), masks=NotebookMasks(1), shuffle=np.random.default_rng(0), mode=NOTEBOOK
        )
    init, masks, shuffle = generator(rng).spawn(3)
    return Streams(init=init, masks=FreshMasks(masks), shuffle=shuffle)

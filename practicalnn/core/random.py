"""Explicit randomness. Nothing here reads or writes NumPy's global random state.

A training run draws from three independent streams: the initial weights, the dropout masks and
the mini-batch shuffles. ``streams(rng)`` makes them from a seed, a ``numpy.random.Generator``, or
the string ``"notebook"``, which replays the regularization notebook's draws bit for bit with local
legacy ``RandomState`` objects: weights from ``RandomState(3)`` and dropout masks from a
``RandomState(1)`` created afresh at every forward pass (what the notebook's ``np.random.seed(1)``
inside ``forward_propagation_with_dropout`` does). That second rule means the notebook uses the
*same* masks at every iteration: a quirk of the exercise, kept only for the replay. The default
mode draws new masks at every iteration, as the notes prescribe.

``"course"`` (or ``("course", seed)``) replays the course's mini-batch exercises (docs/optimization.md):
the weights from ``RandomState(3)`` (its ``initialize_parameters`` seeds 3 before drawing), and each
epoch's order from a ``RandomState`` seeded afresh: the seed starts at the value given (the course's
``seed = 10``, the default) and is incremented before every epoch, so the first epoch is
``RandomState(11).permutation(m)`` (its ``seed = seed + 1; random_mini_batches(X, Y, size, seed)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import argument_error
from ..validation import Integral, Interval
from .dropout import FreshMasks, NotebookMasks

NOTEBOOK = "notebook"
COURSE = "course"
COURSE_SEED = 10


@dataclass
class Streams:
    init: object  # Generator or RandomState: the initial weights
    masks: object  # FreshMasks or NotebookMasks
    shuffle: object  # Generator: mini-batch order
    mode: str = "default"


#: A seed: a non-negative integer (Python or NumPy), as NumPy's SeedSequence takes it.
SEED = Interval(Integral, 0, None)
SEED_WORDS = "None, a non-negative integer or a numpy.random.Generator"


def generator(seed, argument="seed"):
    """A Generator from None, an int seed, a SeedSequence or a Generator (returned as is): the one
    check of a seed or random_state in the engine."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if SEED.convert(seed) is None:
        raise argument_error(argument, seed, SEED_WORDS)
    return np.random.default_rng(int(seed))


def integer_seed(seed, argument="seed"):
    """``seed`` as a plain int, for the scikit-learn functions that take ``random_state=int``;
    ConfigError as ``generator`` words it otherwise."""
    value = SEED.convert(seed)
    if value is None:
        raise argument_error(argument, seed, "a non-negative integer")
    return value


class CourseShuffle:
    """The course's epoch orders: ``RandomState(seed).permutation(m)`` with ``seed`` incremented first."""

    def __init__(self, seed=COURSE_SEED):
        value = SEED.convert(seed)
        if value is None:
            raise argument_error("rng", (COURSE, seed), "('course', seed) with a non-negative integer seed")
        self.seed = value

    def permutation(self, m):
        self.seed += 1
        return np.random.RandomState(self.seed).permutation(m)


def shuffle_state(shuffle):
    """The shuffle stream's state as a checkpoint stores it (a bit generator's state, or the course's seed)."""
    if isinstance(shuffle, CourseShuffle):
        return {"course_seed": shuffle.seed}
    return shuffle.bit_generator.state


def set_shuffle_state(shuffle, state):
    if isinstance(shuffle, CourseShuffle):
        if not (isinstance(state, dict) and set(state) == {"course_seed"}):
            raise argument_error("shuffle", state, "the course's shuffle state {'course_seed': seed}")
        shuffle.seed = CourseShuffle(state["course_seed"]).seed
    else:
        shuffle.bit_generator.state = state


def _course_seed(rng):
    if isinstance(rng, str) and rng == COURSE:
        return COURSE_SEED
    if isinstance(rng, tuple) and len(rng) == 2 and rng[0] == COURSE:
        return rng[1]
    return None


def streams(rng=None):
    """The three streams of a training run, from ``rng``: None, a seed, a Generator, "notebook", or
    "course" / ("course", seed)."""
    seed = _course_seed(rng)
    if seed is not None:
        shuffle = CourseShuffle(seed)  # the course has no dropout here: masks from a Generator of the seed
        masks = FreshMasks(np.random.default_rng(shuffle.seed))
        return Streams(init=np.random.RandomState(3), masks=masks, shuffle=shuffle, mode=COURSE)
    if isinstance(rng, (str, tuple)):
        if rng != NOTEBOOK:
            raise argument_error("rng", rng, f"'notebook', 'course', ('course', seed) or {SEED_WORDS}")
        return Streams(
            init=np.random.RandomState(3), masks=NotebookMasks(1), shuffle=np.random.default_rng(0), mode=NOTEBOOK
        )
    init, masks, shuffle = generator(rng, "rng").spawn(3)
    return Streams(init=init, masks=FreshMasks(masks), shuffle=shuffle)

"""Inverted dropout (notes 7 and 8, notebook section 3).

``keep_prob`` applies to hidden layers: one float for all, or a list with one per hidden layer.
``input_keep_prob`` applies to the input features (default 1: none dropped). The output layer is
never dropped, and nothing is dropped at prediction. A mask D is drawn at each forward pass and
reused by the backward pass of the same iteration:

    forward:   A = A * D;  A = A / keep_prob
    backward:  dA = dA * D;  dA = dA / keep_prob

Both sides sit here (``drop`` and ``drop_backward``), with the three sources of masks: fresh masks
from a Generator at every pass (the notes' dropout), the notebook's masks (replayed for its figures),
and frozen masks (one set replayed at every pass, so the gradient check can differentiate J).
"""

from __future__ import annotations

import numpy as np

from ..errors import argument_error
from ..validation import Interval, Real, check

PROBABILITY = Interval(Real, 0, 1, closed="right")


def keep_probs(n_layers, keep_prob=1.0, input_keep_prob=1.0):
    """Per-layer keep probabilities ``[input, hidden 1, ..., hidden L-1]`` for a network of
    ``n_layers`` weight layers; the output layer has none."""
    n_hidden = n_layers - 1
    if isinstance(keep_prob, (list, tuple, np.ndarray)):
        hidden = [check("keep_prob", p, PROBABILITY) for p in keep_prob]
        if len(hidden) != n_hidden:
            raise argument_error("keep_prob", list(keep_prob), f"one value per hidden layer ({n_hidden})")
    else:
        hidden = [check("keep_prob", keep_prob, PROBABILITY)] * n_hidden
    return [check("input_keep_prob", input_keep_prob, PROBABILITY)] + hidden


def uses_dropout(probs):
    return probs is not None and any(p < 1 for p in probs)


def drop(A, D, keep_prob):
    """Forward: shut down the units where the mask ``D`` is 0, and scale the rest by 1/keep_prob."""
    A = A * D
    return A / keep_prob


def drop_backward(dA, D, keep_prob):
    """Backward: the same mask and scale applied to the gradient flowing into the dropped units."""
    dA = dA * D
    return dA / keep_prob


# -- where masks come from -------------------------------------------------------------------------


class FreshMasks:
    """New dropout masks at every forward pass, drawn from a Generator."""

    def __init__(self, rng):
        self.rng = rng

    def begin_pass(self):
        pass

    def draw(self, shape, keep_prob):
        return self.rng.random(shape) < keep_prob

    def state(self):
        return self.rng.bit_generator.state

    def set_state(self, state):
        self.rng.bit_generator.state = state


class NotebookMasks:
    """The notebook's masks: a ``RandomState(1)`` created afresh at every forward pass, drawn
    layer by layer as ``rand(n_l, m) < keep_prob``.

    Since every pass restarts the same stream, a pass that asks for the same shapes and keep
    probabilities as the previous one gets the same masks; they are kept and replayed instead of
    being drawn again (the result is identical, the cost of re-seeding is not paid each pass).
    """

    def __init__(self, seed=1):
        self.seed = seed
        self._replay = []  # [(shape, keep_prob, mask)] of the last pass
        self._position = 0
        self._rs = None

    def begin_pass(self):
        self._position = 0
        self._rs = None

    def draw(self, shape, keep_prob):
        shape = tuple(shape)
        i = self._position
        self._position += 1
        if self._rs is None and i < len(self._replay) and self._replay[i][:2] == (shape, keep_prob):
            return self._replay[i][2]
        if self._rs is None:  # the request differs from the last pass: replay its prefix, then draw
            self._rs = np.random.RandomState(self.seed)
            for prev_shape, _, _ in self._replay[:i]:
                self._rs.rand(*prev_shape)
            del self._replay[i:]
        mask = self._rs.rand(*shape) < keep_prob
        self._replay.append((shape, keep_prob, mask))
        return mask

    def state(self):
        return None  # nothing carries over from one pass to the next

    def set_state(self, state):
        pass


class FrozenMasks:
    """Dropout masks drawn once from ``source`` and replayed, by position, at every later pass.

    With fresh masks J changes at every evaluation and cannot be differentiated numerically (notes
    14); with the masks frozen J is a fixed function of theta, and the backward pass through those
    masks can be checked."""

    def __init__(self, source):
        self.source = source
        self.masks = []
        self._position = 0

    def begin_pass(self):
        self._position = 0

    def draw(self, shape, keep_prob):
        i = self._position
        self._position += 1
        if i < len(self.masks):
            mask, p = self.masks[i]
            if mask.shape != tuple(shape) or p != keep_prob:
                raise argument_error(
                    "masks",
                    f"a request for {tuple(shape)} at keep_prob {keep_prob}",
                    f"the frozen mask {mask.shape} at keep_prob {p}",
                )
            return mask
        mask = self.source.draw(shape, keep_prob)
        self.masks.append((mask, keep_prob))
        return mask

    def state(self):
        return None

    def set_state(self, state):
        pass

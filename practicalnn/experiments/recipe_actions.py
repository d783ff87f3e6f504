"""What the basic recipe may change between runs (``Settings``) and its actions (notes 4): for high
bias a bigger network, training longer, a better optimizer; for high variance more regularization,
more (augmented) data, another architecture. An action maps settings to stronger settings and says
what it changed, or returns None when it has nothing left to give."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """What the recipe may change between runs."""

    hidden: tuple = (20, 3)
    iterations: int = 2000
    optimizer: str = "gd"
    learning_rate: float = 0.3
    l2: float = 0.0
    keep_prob: float = 1.0
    jitter: float = 0.0
    shift: int = 0

    def describe(self):
        parts = [
            f"hidden {','.join(map(str, self.hidden)) or 'none'}",
            f"{self.iterations} it",
            f"{self.optimizer} lr {self.learning_rate:g}",
        ]
        if self.l2:
            parts.append(f"L2 {self.l2:g}")
        if self.keep_prob < 1:
            parts.append(f"keep_prob {self.keep_prob:g}")
        if self.jitter:
            parts.append(f"jitter {self.jitter:g}")
        if self.shift:
            parts.append(f"shift {self.shift}px")
        return ", ".join(parts)

    def to_dict(self):
        return {**dataclasses.asdict(self), "hidden": list(self.hidden)}


def _wider(s, dataset):
    if not s.hidden:
        return dataclasses.replace(s, hidden=(16,)), "hidden layer of 16"
    if max(s.hidden) >= 512:
        return None
    hidden = tuple(2 * n for n in s.hidden)
    return dataclasses.replace(s, hidden=hidden), f"wider network: hidden {_h(s.hidden)} -> {_h(hidden)}"


def _deeper(s, dataset):
    if len(s.hidden) >= 6:
        return None
    hidden = (*s.hidden, s.hidden[-1] if s.hidden else 16)
    return dataclasses.replace(s, hidden=hidden), f"deeper network: hidden {_h(s.hidden)} -> {_h(hidden)}"


def _longer(s, dataset):
    if s.iterations >= 200_000:
        return None
    return dataclasses.replace(
        s, iterations=2 * s.iterations
    ), f"train longer: {s.iterations} -> {2 * s.iterations} iterations"


def _adam(s, dataset):
    if s.optimizer == "adam":
        return None
    return dataclasses.replace(s, optimizer="adam", learning_rate=0.01), "better optimizer: Adam, learning rate 0.01"


def _more_l2(s, dataset):
    # the penalty acts through lambda/m (dW += lambda/m * W): start where lambda/m is about 0.01
    m = dataset.train_X.shape[1]
    l2 = float(10 ** round(math.log10(max(0.01 * m, 0.01)))) if s.l2 == 0 else 3 * s.l2
    if l2 > 10 * m:
        return None
    return dataclasses.replace(s, l2=l2), f"regularize: L2 lambda {s.l2:g} -> {l2:g}"


def _more_dropout(s, dataset):
    keep = round(s.keep_prob - 0.1, 10)
    if keep < 0.5:
        return None
    return dataclasses.replace(s, keep_prob=keep), f"regularize: dropout keep_prob {s.keep_prob:g} -> {keep:g}"


def _more_augmentation(s, dataset):
    if getattr(dataset, "image_shape", None) and s.shift == 0:
        return dataclasses.replace(s, shift=1), "augment: random shifts of 1 pixel"
    jitter = 0.05 if s.jitter == 0 else 2 * s.jitter
    if jitter > 1:
        return None
    return dataclasses.replace(s, jitter=jitter), f"augment: Gaussian jitter sigma {s.jitter:g} -> {jitter:g}"


def _architecture(s, dataset):
    """Another architecture for variance (notes 4): a wider network with the same regularization.
    In the deep learning era a bigger, regularized network lowers variance too ("training a bigger
    neural network never hurts")."""
    proposal = _wider(s, dataset)
    if proposal is None:
        return None
    return proposal[0], "another architecture: " + proposal[1]


def _h(hidden):
    return ",".join(map(str, hidden)) or "none"


BIAS_ACTIONS = (_wider, _longer, _adam, _deeper)
VARIANCE_ACTIONS = (_more_l2, _more_dropout, _more_augmentation, _architecture)


def _untried(action, settings, dataset, tried, depth=4):
    """``action`` applied to ``settings``; where that was tried already, applied again (a stronger
    dose: lambda 10 -> 30) up to ``depth`` times. None when nothing new comes out."""
    proposal = action(settings, dataset)
    while proposal is not None and proposal[0] in tried and depth > 0:
        stronger = action(proposal[0], dataset)
        proposal = None if stronger is None else (stronger[0], _joined(proposal[1], stronger[1]))
        depth -= 1
    return None if proposal is None or proposal[0] in tried else proposal


def _joined(first, second):
    """'L2 lambda 0 -> 10' then 'L2 lambda 10 -> 30' read as 'L2 lambda 0 -> 30'."""
    head, _, start = first.partition(" -> ")
    _, _, end = second.partition(" -> ")
    return f"{head} -> {end}" if start and end else second

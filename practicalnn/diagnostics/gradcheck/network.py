"""Gradient checking a network's backward pass (notes 13 and 14): theta is the network's flat
parameter buffer, J its cost with the penalty terms, and a mismatch is named (``W2[1, 0]``) and
localised to its array. Dropout is refused unless its masks are frozen, and a second check after
some training finds the bugs that only show once the weights have grown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...core.dropout import FreshMasks, FrozenMasks, keep_probs, uses_dropout
from ...core.network import Network
from ...core.penalties import Penalty
from ...core.random import generator
from ...errors import ConfigError
from ...training.trainer import TrainConfig, Trainer
from ...validation import Integral, Interval, check
from ..stopping import stop_if_interrupted
from .arrays import gradient_check


def _pattern(network, cache):
    """Which side of relu's kink every hidden pre-activation is on (empty for smooth activations)."""
    if network.hidden.name not in ("relu", "leaky_relu"):
        return []
    return [cache.Z[layer] > 0 for layer in range(1, network.n_layers)]


@dataclass
class NetworkGradCheck:
    """Gradient checks of one network, at initialization and, on request, after training.

    ``checks`` holds one GradCheckResult per checked iteration (0 first). ``difference``,
    ``verdict``, ``worst``, ``arrays``, ``suspect`` and ``approx`` are those of the check with the
    largest difference, so one reading answers "is the backward pass right?"."""

    checks: list
    dropout: str = "off"

    @property
    def worst_check(self):
        return max(self.checks, key=lambda c: (np.nan_to_num(c.difference, nan=np.inf), c.iteration))

    @property
    def difference(self):
        return self.worst_check.difference

    @property
    def verdict(self):
        return self.worst_check.verdict

    @property
    def worst(self):
        return self.worst_check.worst

    @property
    def arrays(self):
        return self.worst_check.arrays

    @property
    def suspect(self):
        return self.worst_check.suspect

    @property
    def approx(self):
        return self.worst_check.approx

    def to_dict(self):
        return {
            "difference": self.difference,
            "verdict": self.verdict,
            "suspect": self.suspect,
            "dropout": self.dropout,
            "checks": [c.to_dict() for c in self.checks],
        }


def check_network_gradients(
    network,
    X,
    Y,
    *,
    l2=0.0,
    l1=0.0,
    keep_prob=1.0,
    input_keep_prob=1.0,
    freeze_masks=False,
    after=0,
    learning_rate=0.3,
    rng=0,
    epsilon=1e-7,
    n_worst=5,
    backward=None,
    progress=None,
):
    """Gradient-check a network's backward pass on (X, Y), penalty terms included in J.

    theta is the network's flat parameter buffer (``network.params``), so nothing has to be
    reshaped; a mismatch is named (``W2[1, 0]``) and localised to its array. The check runs on a
    float64 copy: ``network`` is left as it was.

    Parameters
    ----------
    network : Network
        An initialized network.
    X, Y : ndarray
        Data in the notes' layout, (n_x, m) and (n_y, m); keep m small, checking is slow.
    l2, l1 : float
        Penalty strengths; their terms are part of J and of the gradient (notes 14).
    keep_prob, input_keep_prob : float or list
        Dropout keep probabilities. Below 1 J is not consistent (new masks at every pass) and
        the check is refused unless ``freeze_masks`` is set.
    freeze_masks : bool
        Draw one set of dropout masks and replay it at every evaluation of J: consistent, and it
        checks the backward pass through the masks (not dropout's randomness).
    after : int
        Also check after this many iterations of gradient descent (``learning_rate``); some bugs
        only show once the weights have grown (notes 14). 0: at initialization only.
    rng : seed or Generator
        Draws the dropout masks and the training masks.
    epsilon : float
        The step of the two-sided difference.
    n_worst : int
        How many of the worst components to name.
    backward : callable, optional
        A backward pass to check instead of ``network.backward``:
        ``backward(network, cache, Y, penalty) -> flat gradient`` (the layout of ``params``).
    progress : callable, optional
        ``progress(done, total)`` while components are checked.

    Returns
    -------
    NetworkGradCheck

    Raises
    ------
    Interrupted
        When Ctrl-C stops the training toward the second check; ``partial`` holds the check at
        initialization alone.
    """
    penalty = Penalty(l2, l1)
    keep = keep_probs(network.n_layers, keep_prob, input_keep_prob)
    dropout = uses_dropout(keep)
    if dropout and not freeze_masks:
        raise ConfigError(
            f"keep_prob={keep_prob!r}, input_keep_prob={input_keep_prob!r}: expected 1 for gradient checking: "
            "with dropout J is not consistent (new masks at every evaluation), so the numerical gradient "
            "means nothing; check with keep_prob=1 (the notes' advice), or freeze the masks "
            "(freeze_masks=True, --freeze-masks) to check the backward pass through one fixed set of masks"
        )
    after = check("after", after, Interval(Integral, 0, None))  # training iterations before the second check
    net = network.copy(np.float64)
    X = net.check_X(X)
    Y = net.check_Y(Y, X.shape[1])
    rng = generator(rng)
    checker = _Checker(net, X, Y, penalty, keep if dropout else None, rng, backward or Network.backward)
    checker.note = _note(dropout, network.dtype)
    checks = [checker.check(0, epsilon, n_worst, progress)]
    if after:
        config = TrainConfig(
            learning_rate=learning_rate,
            iterations=after,
            l2=l2,
            l1=l1,
            keep_prob=keep_prob,
            input_keep_prob=input_keep_prob,
            record_every=after,
        )
        history = Trainer(net, config, rng=rng).fit(X, Y)
        partial = NetworkGradCheck(checks, "frozen masks" if dropout else "off")
        stop_if_interrupted(
            history,
            f"gradient check: the check at initialization finished; training toward the second check "
            f"(after {after} iterations) was interrupted at iteration {history.iterations_run}",
            partial,
        )
        checks.append(checker.check(after, epsilon, n_worst, progress))
    return NetworkGradCheck(checks, "frozen masks" if dropout else "off")


def _note(dropout, dtype):
    note = (
        "dropout off (keep_prob = 1)"
        if not dropout
        else "dropout masks frozen: one set of masks replayed at every evaluation of J"
    )
    if dtype != np.float64:
        note += f"; checked in float64 (the network is {dtype.name})"
    return note


class _Checker:
    """Gradient checks of ``net`` (a float64 copy, trained in place between checks) on (X, Y)."""

    def __init__(self, net, X, Y, penalty, keep, rng, backward):
        self.net, self.X, self.Y, self.penalty = net, X, Y, penalty
        self.keep, self.rng, self.backward = keep, rng, backward
        self.note = ""

    def check(self, iteration, epsilon, n_worst, progress):
        """Check the gradient at the network's current parameters (after ``iteration`` updates)."""
        net, X, Y, keep = self.net, self.X, self.Y, self.keep
        masks = FrozenMasks(FreshMasks(self.rng)) if keep is not None else None
        cache = net.forward(X, keep, masks)
        base, last = _pattern(net, cache), {}

        def J(theta):
            if theta is not net.params:
                net.params[...] = theta
            here = net.forward(X, keep, masks)
            last["crossed"] = not all(np.array_equal(a, b) for a, b in zip(_pattern(net, here), base))
            return net.cost(here, Y, self.penalty)[0]

        grad = np.asarray(self.backward(net, cache, Y, self.penalty), dtype=float)
        result = gradient_check(
            J,
            net.params,
            grad,
            epsilon,
            names=net.layout,
            n_worst=n_worst,
            progress=progress,
            crossed=lambda: last["crossed"],
        )
        result.iteration, result.note = iteration, self.note
        if result.kinked:
            result.note += (
                f"; {len(result.kinked)} component(s) left out: their +-epsilon step moves a hidden "
                f"{net.hidden.name} unit across its kink at 0, where J has no derivative (a dead layer "
                "with zero biases puts Z exactly on it)"
            )
        return result

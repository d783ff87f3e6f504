"""Is J going down? (notes 6 and 8)

The notes' debugging tip: plot J, the cost *with* its penalty term, at every iteration of gradient
descent; it must decrease monotonically. The data term alone need not. Dropout makes J ill defined
(the masks change at every iteration), so the check trains with keep_prob = 1, and when dropout is
on it shows the cost recorded with dropout beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..core.dropout import keep_probs, uses_dropout
from ..core.network import Network
from ..core.random import streams as make_streams
from ..training.run import hidden_sizes
from ..training.trainer import TrainConfig, Trainer
from ..validation import Interval, Real, check
from .stopping import fit_through_divergence, stop_if_interrupted


def first_rise(costs, rtol=0.0):
    """Position of the first cost larger than the one before it by more than ``rtol * |previous|``
    (a non-finite cost after a finite one counts as a rise); None when the costs never rise."""
    costs = np.asarray(costs, dtype=float)
    rises = _rises(costs, rtol)
    hits = np.flatnonzero(rises)
    return int(hits[0]) + 1 if hits.size else None


def _rises(costs, rtol):
    prev, cur = costs[:-1], costs[1:]
    with np.errstate(invalid="ignore"):
        return (cur - prev > rtol * np.abs(prev)) | (np.isfinite(prev) & ~np.isfinite(cur))


@dataclass
class MonotonicCheck:
    """What the check found.

    Attributes
    ----------
    monotonic : bool
        J (penalty included, keep_prob = 1) never rose from one iteration to the next.
    first_rise : int or None
        The first iteration whose J exceeded the previous iteration's.
    rises : int
        How many iterations rose.
    largest_rise : float
        The largest increase of J from one iteration to the next (0 when monotonic).
    iterations, cost, cost_unpenalized : list
        J at every iteration (before its update), with and without the penalty.
    unpenalized_first_rise : int or None
        The same reading for J without the penalty, which need not fall (notes 6).
    dropout_iterations, dropout_cost : list or None
        When the configuration uses dropout: J recorded with dropout on, for comparison.
    warnings : list of str
        Why a reading needs care (dropout, mini-batches, divergence).
    """

    monotonic: bool
    first_rise: int | None
    rises: int
    largest_rise: float
    iterations: list
    cost: list
    cost_unpenalized: list
    unpenalized_first_rise: int | None
    penalized: bool
    dropout_iterations: list | None = None
    dropout_cost: list | None = None
    warnings: list | None = None
    stopped: str = "completed"

    def describe(self):
        """The finding as lines of text (the CLI prints them)."""
        lines = []
        if self.monotonic:
            lines.append(
                f"J (with penalty, keep_prob = 1) decreased monotonically over {len(self.cost)} "
                f"iterations: {self.cost[0]:.6g} -> {self.cost[-1]:.6g}"
            )
        else:
            i = self.first_rise
            lines.append(
                f"J (with penalty, keep_prob = 1) is NOT monotonic: it first rose at iteration "
                f"{self.iterations[i]} ({self.cost[i - 1]:.6g} -> {self.cost[i]:.6g}); it rose at "
                f"{self.rises} iteration(s), by at most {self.largest_rise:.3g}. Try a smaller learning "
                "rate; if that does not help, check the gradient (practicalnn gradcheck)."
            )
        if self.penalized and self.unpenalized_first_rise is not None:
            lines.append(
                f"J without the penalty first rose at iteration "
                f"{self.iterations[self.unpenalized_first_rise]}: expected, only the penalised J must "
                "fall (notes 6)"
            )
        lines.extend(f"warning: {w}" for w in self.warnings or [])
        if self.dropout_cost is not None:
            rise = first_rise(self.dropout_cost)
            lines.append(
                "J recorded with dropout on "
                + ("never rose" if rise is None else f"first rose at iteration {self.dropout_iterations[rise]}")
                + f"; it ended at {self.dropout_cost[-1]:.6g} against {self.cost[-1]:.6g} with dropout off"
            )
        return lines

    def to_dict(self, every=1):
        """A JSON-ready summary; the curves keep every ``every``-th iteration."""
        every = max(1, int(every))
        out = {
            "monotonic": self.monotonic,
            "first_rise": None if self.first_rise is None else self.iterations[self.first_rise],
            "rises": self.rises,
            "largest_rise": self.largest_rise,
            "unpenalized_first_rise": None
            if self.unpenalized_first_rise is None
            else self.iterations[self.unpenalized_first_rise],
            "warnings": list(self.warnings or []),
            "stopped": self.stopped,
            "iterations": self.iterations[::every],
            "cost": self.cost[::every],
            "cost_unpenalized": self.cost_unpenalized[::every],
        }
        if self.dropout_cost is not None:
            out["dropout_iterations"] = self.dropout_iterations[::every]
            out["dropout_cost"] = self.dropout_cost[::every]
        return out


def _train(network, X, Y, config, rng, callbacks):
    return fit_through_divergence(Trainer(network, config, rng=rng, callbacks=callbacks), X, Y)


def check_monotonic(network, X, Y, config=None, *, rng=None, rtol=0.0, callbacks=()):
    """Train a copy of ``network`` with dropout off and read J at every iteration.

    Parameters
    ----------
    network : Network
        An initialized network; it is not modified (copies are trained).
    X, Y : ndarray
        Training data in the notes' layout.
    config : TrainConfig, optional
        The run to check (learning rate, iterations, penalties, optimizer, ...). Its keep
        probabilities are set to 1 for the check; when they were below 1, the run with dropout
        is trained too and its cost shown alongside.
    rng : seed, Generator or "notebook"
        The random streams of the runs (a seed or "notebook" gives both runs the same streams).
    rtol : float
        A rise smaller than ``rtol * |J|`` is ignored (default 0: any rise counts).
    callbacks : sequence
        Callbacks of the check's run (a progress bar).

    Returns
    -------
    MonotonicCheck

    Raises
    ------
    Interrupted
        On Ctrl-C; ``partial`` is None when the check's run was interrupted, and the finished check
        (without the cost with dropout on) when the comparison run was.
    """
    config = config or TrainConfig()
    rtol = check("rtol", rtol, Interval(Real, 0, None))
    dropout = uses_dropout(keep_probs(network.n_layers, config.keep_prob, config.input_keep_prob))
    plain = replace(config, keep_prob=1.0, input_keep_prob=1.0, record_every=1)
    history = _train(network.copy(), X, Y, plain, rng, callbacks)
    stop_if_interrupted(history, "monotonic check: its run was interrupted, nothing finished")
    cost = np.asarray(history.cost, dtype=float)
    rises = _rises(cost, rtol)
    finite = np.isfinite(cost)
    steps = np.diff(cost)[rises & finite[1:]] if cost.size > 1 else np.array([])
    warnings = []
    result = MonotonicCheck(
        monotonic=not rises.any(),
        first_rise=first_rise(cost, rtol),
        rises=int(rises.sum()),
        largest_rise=float(steps.max()) if steps.size else 0.0,
        iterations=list(history.iterations),
        cost=list(history.cost),
        cost_unpenalized=list(history.cost_unpenalized),
        unpenalized_first_rise=first_rise(history.cost_unpenalized, rtol),
        penalized=bool(config.l2 or config.l1),
        warnings=warnings,
        stopped=history.stopped,
    )
    if history.stopped == "diverged":
        warnings.append("training diverged (J became infinite or NaN): the learning rate is far too large")
    if config.batch_size:
        warnings.append(
            f"mini-batches of {config.batch_size}: J is measured on a different batch each iteration, "
            "so it need not fall monotonically; check with full-batch gradient descent"
        )
    if dropout:
        warnings.append(
            f"dropout is on (keep_prob={config.keep_prob}, input_keep_prob={config.input_keep_prob}): "
            "J is not well defined, the masks change at every iteration; the check ran with "
            "keep_prob = 1 (notes 8) and the cost with dropout on is shown alongside"
        )
        noisy = replace(config, record_every=1)
        dropped = _train(network.copy(), X, Y, noisy, rng, ())
        if dropped.stopped == "interrupted":
            warnings.append("the run with dropout on was interrupted: its cost is not shown")
        stop_if_interrupted(dropped, "monotonic check: finished; the comparison run with dropout interrupted", result)
        result.dropout_iterations, result.dropout_cost = list(dropped.iterations), list(dropped.cost)
    return result


def check_monotonic_dataset(
    dataset, *, hidden=(20, 3), activation="relu", init="notebook", rng="notebook", config=None, rtol=0.0, callbacks=()
):
    """``check_monotonic`` on a Dataset's training set, for the network ``fit_dataset`` would train
    with the same arguments (same layer sizes, initial weights and random streams)."""
    sizes = [dataset.n_x, *hidden_sizes(hidden), dataset.n_y]
    net = Network(sizes, activation, dataset.output)
    net.initialize(init, make_streams(rng).init)
    return check_monotonic(net, dataset.train_X, dataset.train_Y, config, rng=rng, rtol=rtol, callbacks=callbacks)

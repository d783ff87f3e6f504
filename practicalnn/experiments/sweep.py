"""Hyperparameter sweeps: one model per (lambda, keep_prob) cell, trained in parallel on every core.

Each cell is exactly the run ``practicalnn train --l2 L --keep-prob K`` would make (same network,
same initial weights, same random streams), so a cell can be re-run alone and checked. The sweep is
the grid face of ``tune``: the cells go through its runner (grid sampler, no pruning) onto the same
Dask path (a local cluster of single-threaded worker processes, the data sent once to each), or run
in this process for one worker; inside each, the trainer takes its compiled fast path when the model
is small (practicalnn.fast).
The dev set is the dataset's dev split when it has one, else its held-out test set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from ..core.network import Network
from ..diagnostics.stopping import InterruptionGuard
from ..errors import TrainingDiverged, argument_error
from ..training.run import fit_dataset, hidden_sizes, network_options_of
from ..training.trainer import TrainConfig
from ..validation import Integral, Interval, Real, check
from .tune.execution import opened


@dataclass
class SweepCell:
    """One trained model of the grid and its scores."""

    l2: float
    keep_prob: float
    train_accuracy: float | None
    dev_accuracy: float | None
    train_cost: float | None
    dev_cost: float | None
    final_cost: float | None
    stopped: str
    iterations_run: int

    def to_dict(self):
        return dict(self.__dict__)


@dataclass
class SweepResult:
    """The grid: ``cells`` in row-major order (keep_prob rows, l2 columns) and how it was made.

    In the partial result of an interrupted sweep, a cell that did not finish is None."""

    l2_values: list
    keep_values: list
    cells: list
    setup: dict = field(default_factory=dict)

    def grid(self, metric="dev_accuracy"):
        """``metric`` of every cell as an array of shape (len(keep_values), len(l2_values)); NaN where missing."""
        values = [np.nan if c is None or getattr(c, metric) is None else getattr(c, metric) for c in self.cells]
        return np.array(values, dtype=float).reshape(len(self.keep_values), len(self.l2_values))

    def cell(self, l2, keep_prob):
        return self.cells[self.keep_values.index(keep_prob) * len(self.l2_values) + self.l2_values.index(l2)]

    def best(self, metric="dev_accuracy"):
        """The cell with the highest ``metric`` (the first such, in grid order)."""
        scored = [c for c in self.cells if c is not None and getattr(c, metric) is not None]
        return max(scored, key=lambda c: getattr(c, metric)) if scored else None

    def to_dict(self):
        best = self.best()
        return {
            **self.setup,
            "l2_values": list(self.l2_values),
            "keep_prob_values": list(self.keep_values),
            "cells": [None if c is None else c.to_dict() for c in self.cells],
            "best": None if best is None else best.to_dict(),
        }


def _values(name, values, allowed):
    """The grid's values along one axis: distinct numbers, each ``allowed`` (an Interval)."""
    if isinstance(values, Real):
        values = [values]
    values = list(values)
    if not values:
        raise argument_error(name, values, "at least one value")
    converted = [allowed.convert(v) for v in values]
    if any(v is None for v in converted):
        raise argument_error(name, values, f"values that are each {allowed}")
    if len(set(converted)) != len(converted):
        raise argument_error(name, values, "distinct values")
    return converted


def sweep_job(dataset, hidden, activation, init, rng, config, network_options=None):
    """What every cell shares (the data, the dev set, the model and its Network keywords, the training
    but for l2 and keep_prob): sent once to each worker."""
    dev = (dataset.dev_X, dataset.dev_Y) if dataset.dev_X is not None else (dataset.test_X, dataset.test_Y)
    return {
        "dataset": dataset,
        "dev": dev,
        "hidden": hidden_sizes(hidden),
        "activation": activation,
        "init": init,
        "rng": rng,
        "network": network_options_of(network_options),
        "config": {k: v for k, v in config.to_dict().items() if k not in ("l2", "keep_prob")},
    }


def run_cell(job, l2, keep):
    """The cell (l2, keep) of ``job``: the run ``practicalnn train --l2 L --keep-prob K`` makes."""
    config = TrainConfig(**{**job["config"], "l2": l2, "keep_prob": keep})
    dataset = job["dataset"]
    try:
        result = fit_dataset(
            dataset,
            hidden=job["hidden"],
            activation=job["activation"],
            init=job["init"],
            rng=job["rng"],
            config=config,
            **job.get("network", {}),
        )
    except TrainingDiverged as err:
        return SweepCell(l2, keep, None, None, None, None, None, "diverged", err.iteration)
    net = result.network
    dev_X, dev_Y = job["dev"]
    dev_acc, dev_cost = net.evaluate(dev_X, dev_Y)
    return SweepCell(
        l2,
        keep,
        result.train_accuracy,
        dev_acc,
        result.train_cost,
        dev_cost,
        result.history.cost[-1] if result.history.cost else None,
        result.history.stopped,
        result.history.iterations_run,
    )


def cell_task(params, job, state=None, until=None):
    """A cell as a task of the tune runner: ``run_cell``'s cell in an outcome (always finished)."""
    cell = run_cell(job, params["l2"], params["keep_prob"])
    if cell.stopped == "interrupted":  # Ctrl-C reached the training (in this process): not a result
        raise KeyboardInterrupt
    status = "failed" if cell.stopped == "diverged" else "ok"
    outcome = {"status": status, "finished": True, "iteration": cell.iterations_run, "pid": os.getpid()}
    return {**outcome, "dev_cost": cell.dev_cost, "stopped": cell.stopped, "message": None, "cell": cell.to_dict()}


class _Grid:
    """The sweep's space, as the tune runner reads one: two searched knobs, their grid."""

    def __init__(self, l2_values, keep_values):
        self.values = {"l2": list(l2_values), "keep_prob": list(keep_values)}

    def fixed(self):
        return {}

    def grid(self):
        return self.values

    def distributions(self):
        from optuna.distributions import CategoricalDistribution

        return {name: CategoricalDistribution(values) for name, values in self.values.items()}


def sweep(
    dataset,
    l2=(0.0, 0.1, 0.3, 0.7),
    keep_prob=(1.0, 0.9, 0.8),
    *,
    hidden=(20, 3),
    activation="relu",
    init="notebook",
    rng="notebook",
    config=None,
    workers=None,
    progress=None,
    executor=None,
    network_options=None,
):
    """Train one model per (l2, keep_prob) pair on ``dataset`` and score it on train and dev.

    Parameters
    ----------
    dataset : Dataset
        Training data; the dev set is ``dataset.dev_X`` when present, else the test set.
    l2, keep_prob : sequence of float
        The grid: L2 strengths (>= 0) and hidden-layer keep probabilities (in (0, 1]).
    hidden, activation, init, rng :
        The model, as ``workflow.fit_dataset`` takes them (defaults: the notebook's).
    config : TrainConfig, optional
        Everything else about training (its l2 and keep_prob are replaced per cell).
    workers : int, optional
        Worker processes of a local Dask cluster started for the sweep, each single-threaded;
        default every core (``os.cpu_count()``); 1 runs the cells in this process.
    executor : optional
        An executor of ``experiments.tune.execution`` the caller started (a Dask cluster kept for
        several sweeps, or a scheduler elsewhere); ``workers`` is then its own.
    progress : callable, optional
        ``progress(done, total)`` after each finished cell.
    network_options : dict, optional
        Keywords of every cell's Network: ``batch_norm``, ``bn_epsilon``, ``bn_decay``.

    Returns
    -------
    SweepResult

    Raises
    ------
    Interrupted
        On Ctrl-C, at once (a local cluster's worker processes are killed); ``partial`` is the SweepResult
        of the finished cells, the others None.
    """
    l2_values = _values("l2", l2, Interval(Real, 0, None))
    keep_values = _values("keep_prob", keep_prob, Interval(Real, 0, 1, closed="right"))
    config = config or TrainConfig()
    workers = check("workers", (os.cpu_count() or 1) if workers is None else workers, Interval(Integral, 1, None))
    job = sweep_job(dataset, hidden, activation, init, rng, config, network_options)
    # the network checked here: a bad keyword (a bn_decay outside [0, 1)) is one error, not one per cell
    Network([dataset.n_x, *job["hidden"], dataset.n_y], activation, dataset.output, **job["network"])
    grid = [(a, k) for k in keep_values for a in l2_values]
    cells: list = [None] * len(grid)
    workers = executor.workers if executor is not None else min(workers, len(grid))
    setup = {
        "dataset": dataset.name,
        "layer_sizes": [dataset.n_x, *job["hidden"], dataset.n_y],
        "activation": activation,
        "batch_norm": bool(job["network"].get("batch_norm", False)),
        "init": getattr(init, "name", init),
        "rng": rng if isinstance(rng, (str, int)) or rng is None else "generator",
        "dev_set": "dev" if dataset.dev_X is not None else "test",
        "m_train": int(dataset.train_X.shape[1]),
        "m_dev": int(job["dev"][0].shape[1]),
        "workers": workers,
        "learning_rate": config.learning_rate,
        "iterations": config.iterations,
    }

    def finished():
        return SweepResult(l2_values, keep_values, list(cells), setup)

    def message():
        return f"sweep: {sum(c is not None for c in cells)} of {len(grid)} cells finished"

    report = _Report(cells, progress)
    with InterruptionGuard(message, finished), opened(executor, workers=0 if workers == 1 else workers) as ex:
        _run_grid(ex, job, _Grid(l2_values, keep_values), grid, report)
    return finished()


def _run_grid(ex, job, space, grid, report):
    """The grid through the tune runner: an in-memory Optuna study (the sweep's record is its result)
    with every cell enqueued in grid order, the grid sampler, no pruning, the cells on ``ex``."""
    import optuna

    from .tune.api import quiet_optuna
    from .tune.runner import StudyLoop

    with quiet_optuna():
        study = optuna.create_study(direction="minimize")
        for slot, (a, k) in enumerate(grid):
            study.enqueue_trial({"l2": a, "keep_prob": k}, user_attrs={"slot": slot})
        setup = {"n_trials": len(grid), "sampler": "grid", "pruner": "none", "rung_every": 1, "metric": "dev_cost"}
        setup.update(seed=0, bayes_error=0.0)

        def add(slot, params, outcome):
            report.add(slot, SweepCell(**outcome["cell"]))

        StudyLoop(study, setup, space, ex, ex.put(job), task=cell_task, on_result=add).run()


class _Report:
    """Where finished cells go: into ``cells``, counted to ``progress``; an interrupted cell
    (Ctrl-C reached its training) is not a result and stops the sweep."""

    def __init__(self, cells, progress):
        self.cells, self.progress, self.done = cells, progress, 0
        if progress:
            progress(0, len(cells))

    def add(self, i, cell):
        if cell.stopped == "interrupted":
            raise KeyboardInterrupt
        self.cells[i] = cell
        self.done += 1
        if self.progress:
            self.progress(self.done, len(self.cells))

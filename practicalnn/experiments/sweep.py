"""Hyperparameter sweeps: one model per (lambda, keep_prob) cell, trained in parallel on every core.

Each cell is exactly the run ``practicalnn train --l2 L --keep-prob K`` would make (same network,
same initial weights, same random streams), so a cell can be re-run alone and checked. Runs go to a
pool of worker processes (forked, so the data and the compiled kernel are inherited, not copied);
inside each, the trainer takes its compiled fast path when the model is small (practicalnn.fast).
The dev set is the dataset's dev split when it has one, else its held-out test set.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

import numpy as np

from ..diagnostics.stopping import InterruptionGuard
from ..errors import TrainingDiverged, bad
from ..training.run import fit_dataset, hidden_sizes
from ..training.trainer import TrainConfig
from ..validation import Integral, Interval, Real, check


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
        raise bad(name, values, "at least one value")
    converted = [allowed.convert(v) for v in values]
    if any(v is None for v in converted):
        raise bad(name, values, f"values that are each {allowed}")
    if len(set(converted)) != len(converted):
        raise bad(name, values, "distinct values")
    return converted


# The worker's job, set once per process (inherited through fork, or passed to the initializer).
_JOB: dict = {}


def _init_worker(job):
    # Ctrl-C is the parent's to handle (it terminates the workers); a worker between cells would
    # only print a traceback. A cell's own training still turns Ctrl-C into an interrupted run.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _JOB.clear()
    _JOB.update(job)
    try:  # one BLAS thread per worker: the workers already use every core
        from threadpoolctl import threadpool_limits

        _JOB["limits"] = threadpool_limits(1)
    except ImportError:  # pragma: no cover
        pass


def _run_cell(l2, keep):
    job = _JOB
    config = TrainConfig(**{**job["config"], "l2": l2, "keep_prob": keep})
    dataset = job["dataset"]
    try:
        result = fit_dataset(
            dataset, hidden=job["hidden"], activation=job["activation"], init=job["init"], rng=job["rng"], config=config
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


@contextlib.contextmanager
def _installed(job):
    """``job`` as this process's job (what ``_run_cell`` reads) for the block; the previous one after."""
    saved = dict(_JOB)
    _JOB.clear()
    _JOB.update(job)
    try:
        yield
    finally:
        _JOB.clear()
        _JOB.update(saved)


def _warm_up(job):
    """Train one iteration of the job's model in this process, so the kernel's code is loaded (or
    compiled) before the workers fork."""
    with _installed({**job, "config": {**job["config"], "iterations": 1}}):
        _run_cell(0.0, 1.0)


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
        Processes to use; default every core (``os.cpu_count()``), 1 runs in this process.
    progress : callable, optional
        ``progress(done, total)`` after each finished cell.

    Returns
    -------
    SweepResult

    Raises
    ------
    Interrupted
        On Ctrl-C, at once (the worker processes are terminated); ``partial`` is the SweepResult
        of the finished cells, the others None.
    """
    l2_values = _values("l2", l2, Interval(Real, 0, None))
    keep_values = _values("keep_prob", keep_prob, Interval(Real, 0, 1, closed="right"))
    config = config or TrainConfig()
    workers = check("workers", (os.cpu_count() or 1) if workers is None else workers, Interval(Integral, 1, None))
    dev = (dataset.dev_X, dataset.dev_Y) if dataset.dev_X is not None else (dataset.test_X, dataset.test_Y)
    job = {
        "dataset": dataset,
        "dev": dev,
        "hidden": hidden_sizes(hidden),
        "activation": activation,
        "init": init,
        "rng": rng,
        "config": {k: v for k, v in config.to_dict().items() if k not in ("l2", "keep_prob")},
    }
    grid = [(a, k) for k in keep_values for a in l2_values]
    cells: list = [None] * len(grid)
    workers = min(workers, len(grid))
    setup = {
        "dataset": dataset.name,
        "layer_sizes": [dataset.n_x, *job["hidden"], dataset.n_y],
        "activation": activation,
        "init": getattr(init, "name", init),
        "rng": rng if isinstance(rng, (str, int)) or rng is None else "generator",
        "dev_set": "dev" if dataset.dev_X is not None else "test",
        "m_train": int(dataset.train_X.shape[1]),
        "m_dev": int(dev[0].shape[1]),
        "workers": workers,
        "learning_rate": config.learning_rate,
        "iterations": config.iterations,
    }

    def finished():
        return SweepResult(l2_values, keep_values, list(cells), setup)

    def message():
        return f"sweep: {sum(c is not None for c in cells)} of {len(grid)} cells finished"

    report = _Report(cells, progress)
    with InterruptionGuard(message, finished):
        if workers == 1:
            _sequential(job, grid, report)
        else:
            _parallel(job, grid, workers, report)
    return finished()


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


def _sequential(job, grid, report):
    with _installed(job):
        for i, (a, k) in enumerate(grid):
            report.add(i, _run_cell(a, k))


def _parallel(job, grid, workers, report):
    """The cells on a pool of forked workers. On Ctrl-C the workers are terminated at once (their
    running cells are lost; finished ones are kept) and the KeyboardInterrupt goes on."""
    _warm_up(job)  # load the compiled kernel once, here: the forked workers inherit it
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context(method), initializer=_init_worker, initargs=(job,)
    )
    try:
        futures = {pool.submit(_run_cell, a, k): i for i, (a, k) in enumerate(grid)}
        for future in as_completed(futures):
            report.add(futures[future], future.result())
    except BaseException:
        _terminate(pool)
        raise
    pool.shutdown(wait=True)


def _terminate(pool):
    """Stop ``pool`` now: pending cells cancelled, running workers killed (not waited for)."""
    workers = list((getattr(pool, "_processes", None) or {}).values())  # the executor keeps no public list
    pool.shutdown(wait=False, cancel_futures=True)
    for process in workers:
        if process.is_alive():
            process.terminate()
    for process in workers:
        process.join(timeout=1)

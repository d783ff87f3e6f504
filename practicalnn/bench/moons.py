"""W1, the notebook's model, and W2, a sweep of it: practicalnn against the baseline, scikit-learn and
PyTorch on the 134 moons, with the results checked against the baseline's."""

from __future__ import annotations

import numpy as np

from .. import fast
from ..core.network import Network
from ..data.datasets import load_moons
from ..training.trainer import TrainConfig, Trainer
from . import alternatives
from .baseline import baseline_accuracy, baseline_model
from .harness import peak_bytes, relative, row, timed, timed_together

L2_GRID = [0.0, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5, 0.7]
#: W2's row for the sweep's process pool, which the Dask path replaced (issue 12: at least as fast).
POOL = "process pool (the sweep before Dask)"
KEEP_GRID = [1.0, 0.95, 0.9, 0.86, 0.8, 0.7, 0.6, 0.5]


def _notebook_trainer(iterations, config=None):
    net = Network([2, 20, 3, 1], "relu", "sigmoid")
    trainer = Trainer(net, config or TrainConfig(learning_rate=0.3, iterations=iterations), rng="notebook")
    net.initialize("notebook", trainer.streams.init)
    return net, trainer


def _practicalnn_w1(d, iterations):
    net, trainer = _notebook_trainer(iterations)
    history = trainer.fit(d.train_X, d.train_Y)
    return net, history


def w1(repeats=3, iterations=30000, progress=None):
    """W1: the notebook's model. Rows, correctness checks and peak memory."""
    d = load_moons()
    step = progress or (lambda what: None)
    _practicalnn_w1(d, 10)  # compile (or load the cached kernel) outside the timing
    X, y = d.train_X.T, d.train_Y.ravel()

    def baseline():
        with np.errstate(divide="ignore", invalid="ignore"):  # the notebook's log(1 - a) at a = 1; nansum drops it
            return baseline_model(d.train_X, d.train_Y, num_iterations=iterations)

    def mlp():
        return alternatives.sklearn_mlp((20, 3), iterations, 134, 0.3, False)

    step("W1 practicalnn, numpy baseline and scikit-learn, in turns")
    turns = timed_together(
        {
            "ours": lambda: _practicalnn_w1(d, iterations),
            "baseline": baseline,
            "sklearn": lambda: alternatives.sklearn_fit(mlp(), X, y),
        },
        repeats,
    )
    ours, ours_times, (net, history) = turns["ours"]
    base_s, base_times, (base_params, base_costs) = turns["baseline"]
    sk_s, sk_times, sk = turns["sklearn"]
    step("W1 reference path")
    with fast.disabled():
        ref_s, ref_times, (ref_net, ref_history) = timed(lambda: _practicalnn_w1(d, iterations), 1)
    rows = [
        row("W1", "practicalnn (fast path)", ours, ours_times, ours, f"{iterations / ours:,.0f} it/s"),
        row("W1", "practicalnn (reference path)", ref_s, ref_times, ours, "the same library, compiled kernel off"),
        row("W1", "numpy baseline", base_s, base_times, ours, "the notebook's loop"),
        row(
            "W1",
            "scikit-learn MLPClassifier",
            sk_s,
            sk_times,
            ours,
            f"sgd, batch 134, momentum 0; train accuracy {sk.score(X, y):.4f}",
        ),
    ]
    torch = alternatives.torch_or_none()
    if torch is not None:
        step("W1 pytorch")
        rows.append(_w1_torch_row(torch, d, repeats, iterations, ours))
    memory = {"practicalnn": peak_bytes(lambda: _practicalnn_w1(d, min(iterations, 2000)))}
    return {"rows": rows, "checks": _w1_checks(d, net, history, ref_net, ref_history, base_params, base_costs),
            "peak_bytes": memory}  # fmt: skip


def _w1_torch_row(torch, d, repeats, iterations, ours):
    """PyTorch eager from the same initial weights, its start-up outside the timing."""
    start, _ = _notebook_trainer(iterations)
    initial = start.parameters()
    alternatives.torch_w1(torch, d, 20, initial)
    t_s, t_times, (t_loss, t_acc) = timed(lambda: alternatives.torch_w1(torch, d, iterations, initial), repeats)
    note = f"float64, same initial weights; final loss {t_loss:.6g}, train accuracy {t_acc:.4f}"
    return row("W1", "pytorch eager (cpu)", t_s, t_times, ours, note)


def _w1_checks(d, net, history, ref_net, ref_history, base_params, base_costs):
    """The fast path's costs and accuracies beside the reference path's and the baseline's."""
    checks = {
        "costs_vs_reference_max_rel": relative(history.cost, ref_history.cost),
        "costs_vs_baseline_max_rel": relative(history.cost, base_costs),
        "train_accuracy": net.accuracy(d.train_X, d.train_Y),
        "test_accuracy": net.accuracy(d.test_X, d.test_Y),
        "reference_train_accuracy": ref_net.accuracy(d.train_X, d.train_Y),
        "reference_test_accuracy": ref_net.accuracy(d.test_X, d.test_Y),
        "baseline_train_accuracy": baseline_accuracy(base_params, d.train_X, d.train_Y),
        "baseline_test_accuracy": baseline_accuracy(base_params, d.test_X, d.test_Y),
    }
    checks["same_results"] = bool(
        checks["costs_vs_reference_max_rel"] <= 1e-9
        and checks["costs_vs_baseline_max_rel"] <= 1e-9
        and checks["train_accuracy"] == checks["reference_train_accuracy"] == checks["baseline_train_accuracy"]
        and checks["test_accuracy"] == checks["reference_test_accuracy"] == checks["baseline_test_accuracy"]
    )
    return checks


def w2(repeats=3, iterations=30000, l2=L2_GRID, keep=KEEP_GRID, workers=None, progress=None):
    """W2: a sweep of the W1 model over ``l2`` x ``keep``, against the baseline run once per cell."""
    import os

    from ..experiments.sweep import sweep, sweep_job
    from .pool import pool_sweep

    d = load_moons()
    step = progress or (lambda what: None)
    config = TrainConfig(learning_rate=0.3, iterations=iterations)
    workers = workers or os.cpu_count() or 1
    job = sweep_job(d, (20, 3), "relu", "notebook", "notebook", config)
    grid = [(a, k) for k in keep for a in l2]
    step("W2 practicalnn sweep and the process pool it replaced, in turns")
    together = timed_together(
        {
            "dask": lambda: sweep(d, l2, keep, config=config, rng="notebook", init="notebook", workers=workers),
            "pool": lambda: pool_sweep(job, grid, workers),
        },
        repeats,
    )
    ours, ours_times, result = together["dask"]
    pool_s, pool_times, pool_cells = together["pool"]
    step(f"W2 numpy baseline x {len(l2) * len(keep)}")

    def baseline_all():
        return [
            (a, k, baseline_model(d.train_X, d.train_Y, num_iterations=iterations, lambd=a, keep_prob=k))
            for k in keep
            for a in l2
        ]

    with np.errstate(divide="ignore", invalid="ignore"):
        base_s, base_times, runs = timed(baseline_all, 1)
    same, differing = _w2_compare(d, result, runs)
    step(f"W2 sensitivity of the {len(differing)} differing cell(s)")
    chaotic = [_chaotic(d, a, k, iterations, base_cost, cell) for a, k, base_cost, cell in differing]
    n = len(l2) * len(keep)
    rows = [
        row("W2", "practicalnn sweep", ours, ours_times, ours, f"{n} models on a local Dask cluster of {workers}"),
        row("W2", POOL, pool_s, pool_times, ours, f"{n} models on {workers} forked processes; >= 1x: Dask as fast"),
        row("W2", f"numpy baseline x {n}", base_s, base_times, ours, f"sequential, timed once ({n} runs)"),
    ]
    checks = {
        "cells": n,
        "dask_equals_pool": [c.to_dict() for c in result.cells] == [c.to_dict() for c in pool_cells],
        "cells_same": same,
        "cells_chaotic": [c for c in chaotic if c["chaotic"]],
        "cells_differing_not_chaotic": [c for c in chaotic if not c["chaotic"]],
    }
    checks["same_results"] = all(c["chaotic"] for c in chaotic) and checks["dask_equals_pool"]
    small = TrainConfig(learning_rate=0.3, iterations=min(iterations, 1000))
    memory = peak_bytes(lambda: sweep(d, l2[:2], keep[:1], config=small, rng="notebook", workers=1))
    return {"rows": rows, "checks": checks, "peak_bytes": {"practicalnn (parent process)": memory}}


def _w2_compare(d, result, runs):
    """How many cells end with the baseline's cost (1e-9) and accuracies; the others as
    ``(l2, keep_prob, baseline's final cost, cell)``."""
    same, differing = 0, []
    for a, k, (params, costs) in runs:
        cell = result.cell(a, k)
        if (
            relative([cell.final_cost], [costs[-1]]) <= 1e-9
            and cell.train_accuracy == baseline_accuracy(params, d.train_X, d.train_Y)
            and cell.dev_accuracy == baseline_accuracy(params, d.test_X, d.test_Y)
        ):
            same += 1
        else:
            differing.append((a, k, costs[-1], cell))
    return same, differing


#: A cell is sensitive when nudging its initial weights by 1e-15 (relative) moves the reference path's
#: final cost by more than this: it amplifies rounding 10,000-fold, so no two implementations whose
#: sums round differently can be expected to agree on it to 1e-9.
SENSITIVE = 1e-11


def _chaotic(d, l2, keep, iterations, base_cost, cell):
    """Whether a cell's result is sensitive to rounding alone: the reference path, started from the
    initial weights scaled by (1 + 1e-15), ends more than ``SENSITIVE`` (relative) from the baseline."""
    config = TrainConfig(learning_rate=0.3, iterations=iterations, l2=l2, keep_prob=keep)
    net, trainer = _notebook_trainer(iterations, config)
    net.params *= 1 + 1e-15
    with fast.disabled():
        history = trainer.fit(d.train_X, d.train_Y)
    moved = relative([history.cost[-1]], [base_cost])
    return {
        "l2": l2,
        "keep_prob": keep,
        "fast_vs_baseline_rel": relative([cell.final_cost], [base_cost]),
        "perturbed_reference_vs_baseline_rel": moved,
        "chaotic": moved > SENSITIVE,
    }

"""W5, a study: N random-search trials of the notebook's model on the moons, with successive halving.

Measures the wall time of the pruned study, the compute pruning saves (iterations trained against
the same N trials unpruned), the overhead per trial of Optuna plus Dask (the unpruned study on one
worker, less the cluster's start-up, against the same trials trained one after another in this
process), and one worker against two on the same unpruned study. Goals: overhead < 5%, speed-up of
two workers >= 1.8. The library never prints: ``run_w5`` returns a dict; ``progress(done, total,
what)`` reports its steps.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

GOALS = {"overhead_per_trial": ("max_share", 0.05), "two_workers": ("speedup", 1.8)}
STEPS = 5


def _space(iterations):
    return [
        "learning_rate=log:1e-2:1",
        "l2=0:0.7",
        "keep_prob=choice:1|0.9|0.8",
        f"iterations={iterations}",
        "record_every=1000",
    ]


def _study(folder, name, params, n_trials, pruner, workers, seed):
    from ..experiments.tune import tune

    start = time.perf_counter()
    result = tune(
        "moons",
        params,
        n_trials=n_trials,
        sampler="random",
        pruner=pruner,
        seed=seed,
        workers=workers,
        storage=f"sqlite:///{Path(folder) / name}.db",
    )
    return result, time.perf_counter() - start


def _cluster_start(workers):
    from ..experiments.tune.execution import DaskExecutor

    start = time.perf_counter()
    DaskExecutor(workers=workers).close()
    return time.perf_counter() - start


def run_w5(n_trials=16, iterations=30000, seed=0, progress=None):
    """The W5 figures as a dict (seconds, shares and ratios)."""
    from ..experiments.tune import prepare_data, train_trial
    from ..experiments.tune.space import space_from

    def step(i, what):
        if progress:
            progress(i, STEPS, what)

    params = _space(iterations)
    fixed = space_from(params).fixed()
    with tempfile.TemporaryDirectory() as folder:
        step(0, "W5: pruned study, 2 workers")
        pruned, t_pruned = _study(folder, "pruned", params, n_trials, "halving", 2, seed)
        step(1, "W5: unpruned study, 2 workers")
        full2, t_full2 = _study(folder, "full2", params, n_trials, "none", 2, seed)
        step(2, "W5: unpruned study, 1 worker")
        full1, t_full1 = _study(folder, "full1", params, n_trials, "none", 1, seed)
        step(3, "W5: the same trials in this process")
        data, _ = prepare_data("moons", seed=seed)
        start = time.perf_counter()
        for row in full1.table:
            train_trial({**fixed, **row["params"]}, data, seed=seed, keep_state=False)
        t_inline = time.perf_counter() - start
        step(4, "W5: cluster start-up")
        startup = {1: _cluster_start(1), 2: _cluster_start(2)}
    step(5, "W5: done")
    trained = sum(r["iterations"] or 0 for r in pruned.table)
    overhead = (t_full1 - startup[1] - t_inline) / n_trials
    return {
        "n_trials": n_trials,
        "iterations": iterations,
        "pruned_wall_s": t_pruned,
        "pruned_counts": pruned.counts,
        "unpruned_wall_s_2_workers": t_full2,
        "iterations_trained_pruned": trained,
        "iterations_unpruned": n_trials * iterations,
        "compute_saved": 1 - trained / (n_trials * iterations),
        "unpruned_wall_s_1_worker": t_full1,
        "in_process_s": t_inline,
        "cluster_start_s": startup,
        "overhead_per_trial_s": overhead,
        "overhead_per_trial": overhead / (t_inline / n_trials),
        "two_workers": (t_full1 - startup[1]) / (t_full2 - startup[2]),
        "same_best": full1.best["trial"] == full2.best["trial"] and full1.best["value"] == full2.best["value"],
        "goals": GOALS,
    }

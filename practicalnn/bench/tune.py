"""W5, a study: N random-search trials of the notebook's model on the moons, with successive halving.

Measures the wall time of the pruned study, the compute pruning saves (iterations trained against
the same N trials unpruned), the overhead per trial of Optuna plus Dask (the unpruned study on one
worker against the same trials trained one after another in this process), and one worker against
two on the same unpruned study. Each local cluster is started (and its workers warmed: the engine
imported, the compiled kernel loaded) before its studies, timed apart as ``cluster_start_s``; a
study's wall time is everything ``tune`` does after that: the storage, every trial, the winner
retrained and scored. Goals: overhead < 5%, speed-up of two workers >= 1.8 (on a machine with two
free cores: the client and the scheduler share them with the workers). The library never prints:
``run_w5`` returns a dict; ``progress(done, total, what)`` reports its steps.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

GOALS = {"overhead_per_trial": ("max_share", 0.05), "two_workers": ("speedup", 1.8)}
STEPS = 5
#: The issue's size of the study (``run_w5``'s default; the quick bench runs a few).
N_TRIALS = 200


def _space(iterations):
    return [
        "learning_rate=log:1e-2:1",
        "l2=0:0.7",
        "keep_prob=choice:1|0.9|0.8",
        f"iterations={iterations}",
        "record_every=1000",
    ]


def _study(folder, name, params, n_trials, pruner, executor, seed):
    from ..experiments.tune import tune

    start = time.perf_counter()
    result = tune(
        "moons",
        params,
        n_trials=n_trials,
        sampler="random",
        pruner=pruner,
        seed=seed,
        executor=executor,
        storage=f"sqlite:///{Path(folder) / name}.db",
    )
    return result, time.perf_counter() - start


def _cluster(workers):
    """A started local cluster of ``workers`` (its workers warmed) and the seconds that took."""
    from ..experiments.tune.execution import DaskExecutor

    start = time.perf_counter()
    executor = DaskExecutor(workers=workers)
    return executor, time.perf_counter() - start


def _comparable(table):
    return [{k: v for k, v in row.items() if k != "number"} for row in table]


def _in_process(rows, fixed, data, seed):
    """Seconds to train the trials ``rows`` (table rows) one after another in this process."""
    from ..experiments.tune import train_trial

    start = time.perf_counter()
    for row in rows:
        train_trial({**fixed, **row["params"]}, data, seed=seed, keep_state=False)
    return time.perf_counter() - start


def _studies(folder, params, n_trials, seed, step, inline):
    """The three studies, each cluster started once, and the same trials in this process: half of
    them before the one-worker study, half after, so that a machine getting slower or faster meanwhile
    falls on both sides of the overhead alike. ({name: (result, seconds)}, start-up seconds, in-process
    seconds)."""
    studies, startup = {}, {}
    step(0, "W5: pruned and unpruned studies, 2 workers")
    executor, startup[2] = _cluster(2)
    try:
        studies["pruned"] = _study(folder, "pruned", params, n_trials, "halving", executor, seed)
        step(1, "W5: unpruned study, 2 workers")
        studies["full2"] = _study(folder, "full2", params, n_trials, "none", executor, seed)
    finally:
        executor.close()
    table = studies["full2"][0].table  # the same trials as every unpruned study's (checked below)
    step(2, "W5: half the trials in this process")
    t_inline = inline(table[0::2])
    step(3, "W5: unpruned study, 1 worker, then the other half in this process")
    executor, startup[1] = _cluster(1)
    try:
        studies["full1"] = _study(folder, "full1", params, n_trials, "none", executor, seed)
    finally:
        executor.close()
    t_inline += inline(table[1::2])
    return studies, startup, t_inline


def run_w5(n_trials=N_TRIALS, iterations=30000, seed=0, progress=None):
    """The W5 figures as a dict (seconds, shares and ratios), with the load averages around them."""
    from ..experiments.tune import prepare_data
    from ..experiments.tune.space import space_from

    def step(i, what):
        if progress:
            progress(i, STEPS, what)

    params = _space(iterations)
    fixed = space_from(params).fixed()
    data, _ = prepare_data("moons", seed=seed)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        studies, startup, t_inline = _studies(
            folder, params, n_trials, seed, step, lambda rows: _in_process(rows, fixed, data, seed)
        )
    (pruned, t_pruned), (full2, t_full2), (full1, t_full1) = (studies[k] for k in ("pruned", "full2", "full1"))
    step(4, "W5: done")
    trained = sum(r["iterations"] or 0 for r in pruned.table)
    overhead = (t_full1 - t_inline) / n_trials
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
        "in_process_per_trial_s": t_inline / n_trials,
        "cluster_start_s": startup,
        "overhead_per_trial_s": overhead,
        "overhead_per_trial": overhead / (t_inline / n_trials),
        "two_workers": t_full1 / t_full2,
        "same_best": full1.best["trial"] == full2.best["trial"] and full1.best["value"] == full2.best["value"],
        "same_table_1_and_2_workers": _comparable(full1.table) == _comparable(full2.table),
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "cpu_count": os.cpu_count(),
        "goals": GOALS,
    }

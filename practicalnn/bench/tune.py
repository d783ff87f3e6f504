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


def _worker_seconds(result):
    """The seconds every trial of a study took on its worker, summed (recorded with each trial)."""
    return sum((t.user_attrs.get("result") or {}).get("seconds", 0.0) for t in result.study.trials)


def _compute_ratio(executor, rows, fixed, data, seed, sample):
    """Mean seconds of a trial trained here and on the worker of ``executor`` (measured there, without
    the round trip), over ``sample`` of ``rows`` spread over the study, the two in turns (which goes
    first alternates), so that a drift of the machine's speed falls on both alike."""
    from ..experiments.tune import run_rung
    from ..experiments.tune.execution import InlineExecutor

    here, there = [], []
    shared = executor.put(data)
    for i, row in enumerate(rows[:: max(1, len(rows) // sample)][:sample]):
        params = {**fixed, **row["params"]}
        for where in ("here", "there") if i % 2 == 0 else ("there", "here"):
            if where == "here":
                start = time.perf_counter()
                InlineExecutor().submit(run_rung, params, data, seed=seed).result()
                here.append(time.perf_counter() - start)
            else:
                there.append(executor.submit(run_rung, params, shared, seed=seed).result()["seconds"])
    return sum(here) / len(here), sum(there) / len(there)


def _studies(folder, params, n_trials, seed, step, compare):
    """The three studies, each cluster started once, and on the one-worker cluster the same trials
    here and there in turns: ({name: (result, seconds)}, start-up seconds, (here, there) seconds)."""
    studies, startup = {}, {}
    step(0, "W5: pruned and unpruned studies, 2 workers")
    executor, startup[2] = _cluster(2)
    try:
        studies["pruned"] = _study(folder, "pruned", params, n_trials, "halving", executor, seed)
        step(1, "W5: unpruned study, 2 workers")
        studies["full2"] = _study(folder, "full2", params, n_trials, "none", executor, seed)
    finally:
        executor.close()
    step(2, "W5: unpruned study, 1 worker")
    executor, startup[1] = _cluster(1)
    try:
        studies["full1"] = _study(folder, "full1", params, n_trials, "none", executor, seed)
        step(3, "W5: trials here and on the worker, in turns")
        means = compare(executor, studies["full1"][0].table)
    finally:
        executor.close()
    return studies, startup, means


#: How many of the study's trials are trained here and on a worker, in turns, to compare the two.
COMPARED = 20


def run_w5(n_trials=N_TRIALS, iterations=30000, seed=0, progress=None):
    """The W5 figures as a dict (seconds, shares and ratios), with the load averages around them.

    The overhead of Optuna plus Dask per trial is measured in two parts, each side by side: what the
    one-worker study took beyond the time its trials took on the worker (the asks, tells and storage
    writes, the dispatch, the gaps, the winner retrained: everything but training), and how much longer
    a trial takes on a worker than here (the same trials, in turns). Two studies and a run of the
    trials timed minutes apart differed by up to 10% from the machine alone."""
    from ..experiments.tune import prepare_data
    from ..experiments.tune.space import space_from

    def step(i, what):
        if progress:
            progress(i, STEPS, what)

    params = _space(iterations)
    fixed = space_from(params).fixed()
    data, _ = prepare_data("moons", seed=seed)
    load_before = os.getloadavg()
    sample = min(COMPARED, n_trials)
    with tempfile.TemporaryDirectory() as folder:
        studies, startup, (here, there) = _studies(
            folder, params, n_trials, seed, step, lambda ex, rows: _compute_ratio(ex, rows, fixed, data, seed, sample)
        )
    (pruned, t_pruned), (full2, t_full2), (full1, t_full1) = (studies[k] for k in ("pruned", "full2", "full1"))
    step(4, "W5: done")
    trained = sum(r["iterations"] or 0 for r in pruned.table)
    orchestration = (t_full1 - _worker_seconds(full1)) / n_trials
    overhead = orchestration + (there - here)
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
        "trials_on_the_worker_s": _worker_seconds(full1),
        "orchestration_per_trial_s": orchestration,
        "compared_trials": sample,
        "trial_here_s": here,
        "trial_on_a_worker_s": there,
        "cluster_start_s": startup,
        "overhead_per_trial_s": overhead,
        "overhead_per_trial": overhead / here,
        "two_workers": t_full1 / t_full2,
        "same_best": full1.best["trial"] == full2.best["trial"] and full1.best["value"] == full2.best["value"],
        "same_table_1_and_2_workers": _comparable(full1.table) == _comparable(full2.table),
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "cpu_count": os.cpu_count(),
        "goals": GOALS,
    }

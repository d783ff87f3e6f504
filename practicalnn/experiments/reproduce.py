"""The regularization notebook's three experiments and the figures it published."""

from __future__ import annotations

from ..data.datasets import load_moons
from ..diagnostics.stopping import InterruptionGuard, stop_if_interrupted
from ..training.run import fit_dataset
from ..training.trainer import TrainConfig

#: What the notebook printed (costs at iterations 0, 10000, 20000, and accuracies), copied from
#: its published outputs. The tests check these against the independent reference file too.
PUBLISHED = {
    "no_regularization": {
        "cost": {0: 1.030668564098119, 10000: 0.0013096475336283563, 20000: 0.00045300271498517185},
        "train_accuracy": 1.0,
        "test_accuracy": 0.9242424242424242,
    },
    "l2": {
        "cost": {0: 1.0963418369311082, 10000: 0.15812776244188406, 20000: 0.15796526408237627},
        "train_accuracy": 0.9925373134328358,
        "test_accuracy": 0.9393939393939394,
    },
    "dropout": {
        "cost": {0: 1.087298398064148, 10000: 0.039881393279895795, 20000: 0.02647010624682434},
        "train_accuracy": 0.9925373134328358,
        "test_accuracy": 0.9090909090909091,
    },
}

EXPERIMENTS = {
    "no_regularization": ("Model without regularization", {}),
    "l2": ("Model with L2-regularization (lambda = 0.7)", {"l2": 0.7}),
    "dropout": ("Model with dropout (keep_prob = 0.86)", {"keep_prob": 0.86}),
}

COST_TOLERANCE = 1e-9  # relative

#: Gradient steps of every experiment, as the notebook trained them.
ITERATIONS = 30000


def reproduce(callbacks_for=None):
    """The notebook's three experiments, in its order: a list of RunResult (see ``run_experiment``).

    ``callbacks_for(name) -> list of callbacks`` adds callbacks to a run (a progress bar). On
    Ctrl-C it raises ``errors.Interrupted`` whose ``partial`` lists the experiments that finished."""
    results: list = []
    with InterruptionGuard(
        lambda: f"reproduce: {len(results)} of {len(EXPERIMENTS)} experiments finished", lambda: list(results)
    ):
        for name in EXPERIMENTS:
            results.append(run_experiment(name, callbacks=callbacks_for(name) if callbacks_for else ()))
    return results


def run_experiment(name, callbacks=()):
    """Train one of the notebook's experiments exactly as it did: layers [2, 20, 3, 1], learning
    rate 0.3, 30000 iterations, the notebook's random streams.

    An interrupted run is not compared with the published figures (it would "differ" only for
    having stopped): Ctrl-C raises ``errors.Interrupted`` with ``partial`` None."""
    title, overrides = EXPERIMENTS[name]
    result = fit_dataset(
        load_moons(),
        hidden=(20, 3),
        init="notebook",
        rng="notebook",
        config=TrainConfig(learning_rate=0.3, iterations=ITERATIONS, **overrides),
        callbacks=callbacks,
        name=name,
    )
    stop_if_interrupted(result.history, f"reproduce: {name} interrupted at iteration {result.history.iterations_run}")
    result.extra["title"] = title
    result.extra["comparison"] = compare(name, result)
    return result


def compare(name, result):
    """Each published figure beside ours, with the relative difference and whether it matches."""
    published = PUBLISHED[name]
    costs = dict(zip(result.history.iterations, result.history.cost))
    rows = []
    for it, expected in published["cost"].items():
        ours = costs.get(it)
        rel = None if ours is None else abs(ours - expected) / abs(expected)
        rows.append(
            {
                "figure": f"cost after iteration {it}",
                "published": expected,
                "ours": ours,
                "relative_difference": rel,
                "match": rel is not None and rel <= COST_TOLERANCE,
            }
        )
    for key in ("train_accuracy", "test_accuracy"):
        ours = getattr(result, key)
        rows.append(
            {
                "figure": key.replace("_", " "),
                "published": published[key],
                "ours": ours,
                "relative_difference": abs(ours - published[key]) / published[key],
                "match": ours == published[key],
            }
        )
    return rows

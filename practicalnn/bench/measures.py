"""The workloads measured by a figure each rather than timed against an alternative row by row:

* **W4**, the playground: frames per second a page receives while the notebook's model trains, training
  speed while streaming against ``Trainer.fit`` alone, and the latency of a control change
  (``bench/playground.py``).
* **W5**, hyperparameter search: random-search trials of the notebook model with successive halving, the
  compute pruning saves, Optuna's and Dask's overhead per trial, and 1 against 2 workers (``bench/tune.py``).
* **W6**, tables: 5-fold cross-validation in ``Pipeline(StandardScaler(), clf)`` on wine, breast_cancer and
  digits, practicalnn's estimator defaults against MLPClassifier's (``bench/tables.py``).
* **BN**, batch normalization: the throughput of a mini-batch epoch on W3's data with and without it
  (``bench/batchnorm.py``).

Each returns the shape the other workloads have, ``{"rows": [], "checks": {"same_results": ...},
"measures": [...]}``, where a measure is ``{"workload", "what", "value", "unit", "goal", "met"}``
(``goal`` a string such as ">= 30", None where there is none). A quick run shrinks every size: its
figures show that the workload runs, not how fast (``met`` is then None).
"""

from __future__ import annotations

#: Steps each reports through ``progress`` (for the CLI's bar).
STEPS = {"w4": 1, "w5": 6, "w6": 6, "bn": 1}


def measure(workload, what, value, unit="", goal=None, met=None):
    return {"workload": workload, "what": what, "value": value, "unit": unit, "goal": goal, "met": met}


def _verdict(quick, ok):
    return None if quick else bool(ok)


def w4(quick, step):
    from .playground import run_w4

    step("W4: the playground streaming the notebook's model")
    r = run_w4(iterations=3000, changes=2, repeats=1) if quick else run_w4()
    return {
        "rows": [],
        "checks": {"same_results": True},
        "raw": r,
        "measures": [
            measure("W4", f"frames per second a page receives ({r['client']})", r["frames_per_second"], "/s", ">= 30",
                    _verdict(quick, r["frames_per_second"] >= 30)),
            measure("W4", "training speed streaming / fit alone", r["speed_ratio"], "x", ">= 0.5",
                    _verdict(quick, r["speed_ratio"] >= 0.5)),
            measure("W4", "control change to a frame trained with it (median)", r["latency_ms"], "ms", "< 100",
                    _verdict(quick, r["latency_ms"] < 100)),
        ],
    }  # fmt: skip


def w5(quick, step):
    from .tune import run_w5

    def progress(done, total, what):
        step(what)

    r = run_w5(n_trials=4, iterations=600, progress=progress) if quick else run_w5(progress=progress)
    return {
        "rows": [],
        "checks": {"same_results": bool(r["same_best"])},
        "raw": r,
        "measures": [
            measure("W5", f"wall time, {r['n_trials']} pruned trials", r["pruned_wall_s"], "s"),
            measure("W5", "compute saved by pruning", r["compute_saved"], "share"),
            measure("W5", "Optuna + Dask overhead per trial", r["overhead_per_trial"], "share", "< 5%",
                    _verdict(quick, r["overhead_per_trial"] < 0.05)),
            measure("W5", "2 workers against 1", r["two_workers"], "x", ">= 1.8",
                    _verdict(quick, r["two_workers"] >= 1.8)),
        ],
    }  # fmt: skip


def w6(quick, step, classifier):
    from .tables import w6 as run_w6

    def progress(done, total, what):
        step(what)

    kwargs = {"datasets": ("wine",), "seeds": (0,), "folds": 2} if quick else {}
    r = run_w6(classifier, progress=progress, **kwargs)
    measures = []
    for row in r["rows"]:
        ours, mlp = row["practicalnn"], row["mlp"]
        measures += [
            measure("W6", f"{row['dataset']}: accuracy, practicalnn - MLPClassifier",
                    ours["mean_accuracy"] - mlp["mean_accuracy"], "points", ">= -0.5 points",
                    _verdict(quick, row["accuracy_met"])),
            measure("W6", f"{row['dataset']}: fit time, MLPClassifier / practicalnn",
                    mlp["fit_seconds"] / ours["fit_seconds"], "x", ">= 1", _verdict(quick, row["time_met"])),
        ]  # fmt: skip
    return {"rows": [], "checks": {"same_results": True}, "raw": r, "measures": measures}


def bn(quick, step):
    from .batchnorm import measure as run_bn

    step("BN: a mini-batch epoch with and without batch normalization")
    r = run_bn(m=1024, batch=128, repeats=1) if quick else run_bn()
    return {
        "rows": [],
        "checks": {"same_results": True},
        "raw": r,
        "measures": [
            measure("BN", "throughput with batch norm / without (compiled kernel)", r["ratio_default"], "x",
                    ">= 0.7", _verdict(quick, r["ratio_default"] >= 0.7)),
            measure("BN", "throughput with batch norm / without (both on the NumPy path)", r["ratio_reference"],
                    "x"),
        ],
    }  # fmt: skip

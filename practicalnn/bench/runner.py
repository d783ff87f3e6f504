"""The benchmark behind ``practicalnn bench``: every workload against every alternative, in one process,
with one thread count for everyone, several repeats, medians and ratios.

Workloads (see docs/performance.md for what each ratio means):

* **W1**, the notebook's model: layers [2, 20, 3, 1] on the 134 moons, 30000 full-batch steps.
  Alternatives: ``baseline_model`` below (the loop a learner writes from the notebook), scikit-learn's
  MLPClassifier set to the same work, PyTorch eager on the CPU when installed.
* **W2**, a sweep: the W1 model for 8 lambda x 8 keep_prob. Alternative: the baseline 64 times.
* **W3**, larger data: 60,000 x 784 float32 features, 10 classes, [784, 256, 128, 10] softmax,
  mini-batches of 256, one epoch. Alternatives: MLPClassifier, PyTorch; and the rate of the same
  matrix products done bare.
* **Cold start**: whole processes: ``practicalnn train`` with an empty and with a warm compile cache,
  beside a script that runs the baseline (imports included).

The library never prints: ``run`` returns a dict and ``progress(done, total, what)`` reports steps.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from .. import fast
from ..training.threads import thread_limits
from . import alternatives, measures
from .cold import cold_start
from .large import w3
from .moons import KEEP_GRID, L2_GRID, w1, w2

#: How many times each workload calls ``progress`` (one more for W1 and W3 when PyTorch is there).
STEPS = {"w1": 2, "w2": 3, "w3": 2, "cold": 2, **measures.STEPS}
WORKLOADS = ("w1", "w2", "w3", "cold", "w4", "w5", "w6", "bn")


def _setup(quick, repeats, threads, torch):
    return {
        "quick": quick,
        "repeats": repeats,
        "threads": threads,
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "torch": None if torch is None else torch.__version__,
        "fast_path": fast.enabled(),
    }


def run(*, quick=False, repeats=3, threads=None, only=WORKLOADS, progress=None, classifier=None):
    """Run the benchmark and return ``{"setup", "workloads": {name: {rows, checks, peak_bytes}}}``.

    ``quick`` shrinks every workload (a few hundred iterations, 2x2 sweep, 2,560 rows) to check
    results, not speed. ``threads`` (default: every core) limits BLAS, PyTorch, Numba and the sweep's
    workers alike, and each is put back as it was on return. ``progress(done, total, what)`` is called
    before each measured step. W6 cross-validates ``classifier`` (an unfitted practicalnn
    ``NeuralNetClassifier()``: the estimators sit above the benchmark, so the caller brings one)."""
    threads = threads or os.cpu_count() or 1
    torch = alternatives.torch_or_none()
    total = sum(STEPS[w] + (torch is not None and w in ("w1", "w3")) for w in only)
    done = [0]

    def step(what):
        if progress is not None:
            progress(done[0], total, what)
        done[0] += 1

    its = 500 if quick else 30000
    out = {"setup": _setup(quick, repeats, threads, torch), "workloads": {}}
    with thread_limits(threads, torch):
        if "w1" in only:
            out["workloads"]["W1"] = w1(repeats, its, step)
        if "w2" in only:
            grid = (L2_GRID[::4], KEEP_GRID[::4]) if quick else (L2_GRID, KEEP_GRID)
            out["workloads"]["W2"] = w2(repeats, its, *grid, workers=threads, progress=step)
        if "w3" in only:
            out["workloads"]["W3"] = w3(repeats, 2560 if quick else 60000, step)
        if "cold" in only:
            out["workloads"]["cold"] = cold_start(repeats, its, threads, step)
        for name in ("w4", "w5", "bn"):
            if name in only:
                out["workloads"][name.upper()] = getattr(measures, name)(quick, step)
        if "w6" in only:
            if classifier is None:
                raise ValueError("bench.run: W6 needs classifier=NeuralNetClassifier()")
            out["workloads"]["W6"] = measures.w6(quick, step, classifier)
    return out

"""The timing harness: medians over repeats, implementations timed in turns, peak memory, relative
differences, and one row of the table with its goal."""

from __future__ import annotations

import statistics
import time
import tracemalloc

import numpy as np

#: The issue's goals, per (workload, row): ("speedup", x) the alternative takes at least x times as
#: long; ("share", f) practicalnn reaches at least the fraction f of a rate; ("max_seconds", s) the
#: row itself takes less than s seconds.
GOALS = {
    ("W1", "numpy baseline"): ("speedup", 10.0),
    ("W1", "scikit-learn MLPClassifier"): ("speedup", 20.0),
    ("W2", "numpy baseline x 64"): ("speedup", 50.0),
    ("W2", "process pool (the sweep before Dask)"): ("speedup", 1.0),
    ("W3", "scikit-learn MLPClassifier"): ("speedup", 1.2),
    ("W3", "bare matrix products"): ("share", 0.8),
    ("cold", "numpy baseline script"): ("speedup", 3.0),
    ("cold", "practicalnn train, first run"): ("max_seconds", 10.0),
}


def timed(fn, repeats):
    """Run ``fn`` ``repeats`` times; (median seconds, all seconds, the last result)."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def timed_together(fns, repeats):
    """Time several implementations in turns, one run of each per round, so that a noisy spell on a
    shared machine falls on all of them alike: ``{name: (median seconds, all seconds, last result)}``."""
    times = {name: [] for name in fns}
    results = {}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - start)
    return {name: (statistics.median(times[name]), times[name], results[name]) for name in fns}


def peak_bytes(fn):
    """Peak of traced Python/NumPy allocations while ``fn`` runs (its result is discarded)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def relative(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))) if a.size else 0.0


def row(workload, implementation, seconds, times, ours, note="", unit_rate=None):
    """One row: the alternative's time over practicalnn's (``ours``) as its ratio, and its goal."""
    kind, goal = GOALS.get((workload, implementation), (None, None))
    ratio = None if ours is None or implementation.startswith("practicalnn") else seconds / ours
    if kind == "max_seconds":
        met = seconds < goal
    else:
        met = None if goal is None or ratio is None else ratio >= goal
    return {
        "workload": workload,
        "implementation": implementation,
        "median_s": seconds,
        "runs": len(times),
        "times_s": times,
        "ratio": ratio,
        "goal": goal,
        "met": met,
        "rate": unit_rate,
        "note": note,
    }

"""The cold start: whole processes, ``practicalnn train`` with an empty and with a warm compile cache,
beside a script that runs the baseline (imports included)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

from .baseline import baseline_script
from .harness import row, timed_together


def _process_seconds(argv, env):
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} failed: {done.stderr.strip()[-300:]}")
    return seconds


def cold_start(repeats=3, iterations=30000, threads=None, progress=None):
    """Whole-process wall time of ``practicalnn train`` (the W1 model) with an empty compile cache, then
    with a warm one, beside a script that runs the baseline."""
    step = progress or (lambda what: None)
    env = dict(os.environ)
    if threads:
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
            env[name] = str(threads)
    train = [sys.executable, "-m", "practicalnn", "train", "--rng", "notebook", "--iterations", str(iterations)]
    with tempfile.TemporaryDirectory(prefix="practicalnn-numba-") as cache:
        env["NUMBA_CACHE_DIR"] = cache
        step("cold start: empty compile cache")
        cold = _process_seconds(train, env)
        step("cold start: warm cache and baseline script, in turns")
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
            fh.write(baseline_script(iterations))
        try:
            turns = timed_together(
                {
                    "warm": lambda: _process_seconds(train, env),
                    "baseline": lambda: _process_seconds([sys.executable, fh.name], env),
                },
                repeats,
            )
        finally:
            os.unlink(fh.name)
    (warm, warm_times, _), (base, base_times, _) = turns["warm"], turns["baseline"]  # whole processes, in turns
    rows = [
        row("cold", "practicalnn train, warm cache", warm, warm_times, warm, "whole process, imports included"),
        row("cold", "numpy baseline script", base, base_times, warm, "whole process, imports included"),
        row("cold", "practicalnn train, first run", cold, [cold], None, "empty compile cache: compilation included"),
    ]
    return {"rows": rows, "checks": {"first_run_s": cold, "same_results": True}, "peak_bytes": {}}

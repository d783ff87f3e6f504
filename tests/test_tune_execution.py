"""How local Dask workers start: forked from a server that already holds the engine."""

import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import os
    from practicalnn.experiments.tune.execution import DaskExecutor

    def parent_maps():
        with open(f"/proc/{os.getppid()}/maps") as f:
            return f.read()

    if __name__ == "__main__":
        ex = DaskExecutor(workers=1)
        try:
            (maps,) = ex.client.run(parent_maps).values()
            print("llvmlite" in maps)
        finally:
            ex.close()
    """
)


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="reads the forkserver's memory map in /proc")
def test_local_workers_are_forked_from_a_server_that_loaded_the_engine(tmp_path):
    """The process a local worker is forked from has Numba's LLVM mapped (it imported the engine and
    loaded its kernels), so a worker starts with them instead of importing Numba and reading its cache."""
    script = tmp_path / "start.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.getcwd(), *sys.path])}
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"


def test_a_trial_on_the_numpy_path_is_the_same_in_this_process_on_a_worker_and_re_run_alone(tmp_path):
    """A network too large for the fused kernel trains on NumPy, whose BLAS may sum products in another
    order with more threads: a trial therefore runs with one thread wherever it runs (a worker owns one
    core), and ``practicalnn train --threads 1`` re-runs it to the last bit."""
    import json
    from contextlib import redirect_stdout
    from io import StringIO

    from practicalnn.cli import main
    from practicalnn.experiments.tune import prepare_data, run_rung
    from practicalnn.experiments.tune.execution import DaskExecutor, InlineExecutor

    params = {"hidden": "64,32", "learning_rate": 0.47, "iterations": 200, "record_every": 100}
    data, _ = prepare_data("digits", seed=1, normalize=True)
    here = InlineExecutor().submit(run_rung, params, data, seed=1).result()
    ex = DaskExecutor(workers=1)
    try:
        there = ex.submit(run_rung, params, ex.put(data), seed=1).result(timeout=120)
    finally:
        ex.close()
    assert here["dev_cost"] == there["dev_cost"] and here["train_cost"] == there["train_cost"]
    out = StringIO()
    with redirect_stdout(out):
        argv = ["train", "--threads", "1", "--dataset", "digits", "--normalize", "--hidden", "64,32"]
        argv += ["--learning-rate", "0.47", "--iterations", "200", "--seed", "1", "--json"]
        assert main(argv) == 0
    assert json.loads(out.getvalue())["dev_cost"] == here["dev_cost"]

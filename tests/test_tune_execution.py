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

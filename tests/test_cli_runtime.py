"""How the command behaves around its output: a closed pipe, warnings, the first-run compile notice."""

import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

import practicalnn
from practicalnn.cli import BROKEN_PIPE, _progress, main


def run(args, capsys):
    try:
        code = main(args)
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def test_a_closed_stdout_ends_quietly_with_141():
    # `practicalnn ... | head -1`: the reader is gone before the output is written. The convention is
    # a shell's for any tool stopped by SIGPIPE: 128 + 13, and nothing on stderr.
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "practicalnn",
            "signal",
            "--depth",
            "20",
            "--width",
            "5",
            "--examples",
            "4",
            "--per-layer",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # closed before the child has imported numpy, so every write meets a closed pipe
    _, err = proc.communicate(timeout=120)
    assert BROKEN_PIPE == 141
    assert proc.returncode == 141 and err == b""


def test_warnings_of_a_command_that_succeeds_come_once_each_after_its_result(monkeypatch, capsys):
    import practicalnn.cli.diagnose as diagnose

    real = diagnose.diagnose

    def noisy(*args, **kwargs):
        for _ in range(3):
            warnings.warn("overflow encountered in exp\nsecond line", RuntimeWarning, stacklevel=1)
        return real(*args, **kwargs)

    monkeypatch.setattr(diagnose, "diagnose", noisy)
    with warnings.catch_warnings():
        warnings.simplefilter("always")  # as a user's -W always would: still one line
        code, out, err = run(["diagnose", "--train-error", "0.1", "--dev-error", "0.2"], capsys)
    assert code == 0 and "verdict" in out
    assert err == "practicalnn diagnose: warning: RuntimeWarning: overflow encountered in exp; second line\n"


FAILING_AFTER_WARNINGS = textwrap.dedent(
    """
    import sys, warnings
    import practicalnn.cli.diagnose as diagnose
    from practicalnn.cli import main
    from practicalnn.errors import ConfigError

    def noisy(*args, **kwargs):
        for i in range(8):
            warnings.warn(f"overflow encountered in multiply {i}", RuntimeWarning)
        raise ConfigError("learning_rate=1e+100: expected a rate that keeps the cost finite")

    diagnose.diagnose = noisy
    sys.exit(main(["diagnose", "--train-error", "0.1", "--dev-error", "0.2"]))
    """
)


def test_a_command_that_fails_after_warnings_shows_its_error_alone():
    proc = subprocess.run([sys.executable, "-c", FAILING_AFTER_WARNINGS], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == (
        "practicalnn diagnose: error: learning_rate=1e+100: expected a rate that keeps the cost finite\n"
    )


def as_terminal(monkeypatch):
    """stderr as a terminal (capsys's stream is only in place once the test runs), the notice not yet
    given in this process."""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    monkeypatch.setitem(_progress._said, "compiling", False)


@pytest.mark.parametrize("cold,shown", [(True, True), (False, False)])
def test_the_compile_notice_shows_once_on_a_terminal_when_the_cache_is_cold(monkeypatch, cold, shown, capsys):
    as_terminal(monkeypatch)
    checked = []
    monkeypatch.setattr(_progress, "fast_path_cold", lambda trainer: checked.append(trainer) or cold)
    code, _, err = run(["train", "--iterations", "20", "--json", "--check-monotonic"], capsys)
    assert code == 0 and checked  # asked at the start of a training
    assert err.count(_progress.COMPILING) == (1 if shown else 0)  # two trainings, one notice


def test_no_compile_notice_when_stderr_is_not_a_terminal(monkeypatch, capsys):
    monkeypatch.setitem(_progress._said, "compiling", False)
    monkeypatch.setattr(_progress, "fast_path_cold", lambda trainer: True)
    _, _, err = run(["train", "--iterations", "20", "--json"], capsys)
    assert _progress.COMPILING not in err


KERNEL = "import numba\n\n@numba.njit(cache=True)\ndef double(x):\n    return 2 * x\n"


def test_the_cache_check_reads_numbas_own_index(tmp_path, monkeypatch):
    """A cache=True function is cold until compiled once; a fresh process then finds its index."""
    (tmp_path / "tiny_kernel.py").write_text(KERNEL)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    import tiny_kernel

    assert not _progress._cached(tiny_kernel.double)
    assert tiny_kernel.double(2) == 4
    assert _progress._cached(tiny_kernel.double)  # compiled in this process
    assert _cached_in_a_fresh_process(tmp_path) == "True"
    (tmp_path / "tiny_kernel.py").write_text(KERNEL + "\n# edited: numba recompiles\n")
    assert _cached_in_a_fresh_process(tmp_path) == "False"


def _cached_in_a_fresh_process(directory):
    probe = "import tiny_kernel; from practicalnn.cli import _progress; print(_progress._cached(tiny_kernel.double))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(directory), str(Path(practicalnn.__file__).parents[1])])}
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()

"""What ``practicalnn bench`` prints: a quick run shows results only (its toy sizes support no verdict on
speed); a full record, new or read back from ``--json``, shows the timing table with its goals."""

import copy

import pytest

from practicalnn.bench import alternatives, run
from practicalnn.cli.bench import render

pytest.importorskip("numba")


@pytest.fixture(scope="module")
def quick_record():
    saved = alternatives.torch_or_none
    alternatives.torch_or_none = lambda: None  # PyTorch's rows are optional and slow to warm up
    try:
        return run(quick=True, repeats=1, threads=1, only=("w1", "w2"))
    finally:
        alternatives.torch_or_none = saved


def test_quick_prints_results_only_and_says_timings_need_a_full_run(quick_record, capsys):
    assert render(quick_record) == 0
    out = capsys.readouterr().out
    assert "W1 results:" in out and "W2 results:" in out and "results: all as expected" in out
    note = "timings, speed-ups and goals need a full run"
    assert note in out
    for timing in ("speed-up", "goal", "median", " NO ", "GFLOP", "peak memory", "it/s"):
        assert timing not in out.replace(note, ""), timing


def test_a_full_record_still_renders_its_timings_and_goals(quick_record, capsys):
    full = copy.deepcopy(quick_record)
    full["setup"]["quick"] = False  # an old full record, as --json wrote it
    render(full)
    out = capsys.readouterr().out
    assert "speed-up" in out and "goal" in out and "median of 1 run(s)" in out
    assert ">= 10x" in out  # W1's goal against the NumPy baseline
    assert "need a full run" not in out

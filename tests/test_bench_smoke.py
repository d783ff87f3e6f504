"""The benchmark's smoke version: tiny workloads, results checked, timings never asserted."""

import json
import subprocess
import sys

import numpy as np
import pytest

from practicalnn.bench import alternatives, baseline, large, moons
from practicalnn.cli import main
from practicalnn.data.datasets import load_moons
from practicalnn.experiments.reproduce import PUBLISHED

pytest.importorskip("numba")


def test_baseline_is_the_notebook():
    """The plain NumPy baseline reproduces the notebook's printed first cost and, after the full run,
    its accuracies (its own published outputs, an independent source)."""
    d = load_moons()
    params, costs = baseline.baseline_model(d.train_X, d.train_Y, num_iterations=1)
    assert costs[0] == pytest.approx(PUBLISHED["no_regularization"]["cost"][0], rel=1e-12)
    params, costs = baseline.baseline_model(d.train_X, d.train_Y, num_iterations=1, lambd=0.7)
    assert costs[0] == pytest.approx(PUBLISHED["l2"]["cost"][0], rel=1e-12)
    params, costs = baseline.baseline_model(d.train_X, d.train_Y, num_iterations=1, keep_prob=0.86)
    assert costs[0] == pytest.approx(PUBLISHED["dropout"]["cost"][0], rel=1e-12)


@pytest.fixture
def no_torch(monkeypatch):
    """PyTorch's rows are optional and slow to warm up; the smoke test checks them separately."""
    monkeypatch.setattr(alternatives, "torch_or_none", lambda: None)


def test_torch_alternatives_run_the_same_model():
    torch = pytest.importorskip("torch")
    d = load_moons()
    _, trainer = moons._notebook_trainer(1)
    initial = trainer.network.parameters()
    loss, _ = alternatives.torch_w1(torch, d, 1, initial)
    assert loss == pytest.approx(PUBLISHED["no_regularization"]["cost"][0], rel=1e-12)  # same weights, same J
    X, y = large.w3_data(512)
    assert np.isfinite(alternatives.torch_w3(torch, X, y))


def test_w1_and_w2_give_the_same_results_as_the_baseline(no_torch):
    r1 = moons.w1(repeats=1, iterations=300)
    assert r1["checks"]["same_results"], r1["checks"]
    names = [row["implementation"] for row in r1["rows"]]
    assert "numpy baseline" in names and "scikit-learn MLPClassifier" in names
    r2 = moons.w2(repeats=1, iterations=300, l2=[0.0, 0.3], keep=[1.0, 0.8], workers=2)
    assert r2["checks"]["same_results"], r2["checks"]


def test_w3_small_runs_and_counts_flops(no_torch):
    # forward 2*(784*256 + 256*128 + 128*10), the same for dW, dA for layers 2 and 3 (hand count)
    assert large.w3_flops_per_example() == 2 * 234752 * 2 + 2 * (128 * 10 + 256 * 128)
    r3 = large.w3(repeats=1, m=1024)
    assert r3["checks"]["cost_finite"]
    assert r3["peak_bytes"]["dataset_plus_parameters"] == 1024 * 784 * 4 + 1024 * 8 + 235146 * 4


def test_baseline_script_runs_standalone(tmp_path):
    script = tmp_path / "baseline.py"
    script.write_text(baseline.baseline_script(iterations=5))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True).stdout
    assert np.isfinite(float(out))
    assert "practicalnn" not in baseline.baseline_script()


def test_cli_quick_json(capsys, no_torch):
    assert main(["bench", "--quick", "--repeats", "1", "--only", "w1", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["setup"]["quick"] and doc["workloads"]["W1"]["checks"]["same_results"]


def test_cli_rejects_bad_flags(capsys):
    with pytest.raises(SystemExit):
        main(["bench", "--only", "w9"])
    assert main(["bench", "--repeats", "0", "--only", "w1"]) == 2
    assert "repeats" in capsys.readouterr().err


def test_chaotic_cells_are_told_apart_from_wrong_ones():
    """A cell whose result rounding alone moves (L2 and dropout together, found by perturbing the
    reference's initial weights by 1e-15) is flagged; the notebook's plain model is not."""
    d = load_moons()
    _, costs = baseline.baseline_model(d.train_X, d.train_Y, num_iterations=2000)
    cell = type("Cell", (), {"final_cost": costs[-1]})()
    assert not moons._chaotic(d, 0.0, 1.0, 2000, costs[-1], cell)["chaotic"]
    with np.errstate(divide="ignore", invalid="ignore"):
        _, costs = baseline.baseline_model(d.train_X, d.train_Y, num_iterations=30000, lambd=0.5, keep_prob=0.7)
    assert moons._chaotic(d, 0.5, 0.7, 30000, costs[-1], cell)["chaotic"]

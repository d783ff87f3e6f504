"""Ctrl-C in functions that train several runs: the run it reaches is not reported as a result; the
function raises errors.Interrupted carrying what fully finished.

Ctrl-C is a real SIGINT sent to this process from inside a chosen run (at a chosen iteration), so the
trainer's own handler turns it into an interrupted run, as it does at a terminal. The sweep's
process pool is tested in a subprocess, with the signal sent from outside.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from practicalnn.core.network import Network
from practicalnn.data.datasets import load_moons
from practicalnn.data.splits import with_dev
from practicalnn.diagnostics.gradcheck import check_network_gradients
from practicalnn.diagnostics.init_study import InitStudy, compare_initializations
from practicalnn.diagnostics.monotonic import MonotonicCheck, check_monotonic_dataset
from practicalnn.diagnostics.normalization import normalization_effect
from practicalnn.errors import Interrupted
from practicalnn.experiments.recipe import RecipeResult, Settings, basic_recipe, evaluate_run
from practicalnn.experiments.reproduce import PUBLISHED, reproduce, run_experiment
from practicalnn.experiments.sweep import SweepResult, sweep
from practicalnn.training.callbacks import Callback
from practicalnn.training.trainer import TrainConfig, Trainer

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name != "posix", reason="POSIX signals")


class _CtrlC(Callback):
    """Ctrl-C at iteration ``at``: SIGINT to this process, while the trainer owns the handler."""

    def __init__(self, at):
        self.every = at

    def on_check(self, trainer, iteration):
        os.kill(os.getpid(), signal.SIGINT)
        return False


@pytest.fixture
def ctrl_c(monkeypatch):
    """``ctrl_c(run, at)``: the ``run``-th training of the test (1 first) gets Ctrl-C at iteration ``at``."""
    fit = Trainer.fit
    plan = {}
    count = [0]

    def fit_with_ctrl_c(self, X, Y):
        count[0] += 1
        if count[0] == plan.get("run"):
            self.callbacks.append(_CtrlC(plan["at"]))
        return fit(self, X, Y)

    monkeypatch.setattr(Trainer, "fit", fit_with_ctrl_c)

    def arm(run, at):
        plan.update(run=run, at=at)
        return count

    return arm


@pytest.fixture(scope="module")
def moons():
    return load_moons()


def test_init_study_keeps_the_schemes_that_finished(ctrl_c, moons):
    ctrl_c(2, 100)
    with pytest.raises(Interrupted) as caught:
        compare_initializations(moons, schemes=("zeros", "he", "xavier"), iterations=300)
    study = caught.value.partial
    assert isinstance(study, InitStudy)
    assert [r.scheme for r in study.runs] == ["zeros"]
    assert study.runs[0].result.history.iterations_run == 300 and study.runs[0].stopped == "completed"


def test_recipe_keeps_the_steps_that_finished(ctrl_c, moons):
    runs = ctrl_c(2, 50)
    data = with_dev(moons, 0.25, seed=0)
    with pytest.raises(Interrupted) as caught:
        basic_recipe(data, settings=Settings(iterations=200), target_dev_error=0.0, max_runs=3)
    result = caught.value.partial
    assert runs[0] == 2  # the third run was never started
    assert isinstance(result, RecipeResult) and result.stopped == "interrupted"
    assert [s.index for s in result.steps] == [1] and result.best.index == 1
    assert result.steps[0].evaluation.result.history.iterations_run == 200


def test_a_half_trained_run_is_not_diagnosed(ctrl_c, moons):
    ctrl_c(1, 50)
    with pytest.raises(Interrupted) as caught:
        evaluate_run(with_dev(moons, 0.25, seed=0), config=TrainConfig(iterations=200))
    assert caught.value.partial is None


def test_sequential_sweep_keeps_the_cells_that_finished(ctrl_c, moons):
    runs = ctrl_c(2, 100)
    with pytest.raises(Interrupted) as caught:
        sweep(moons, [0.0, 0.7], [1.0, 0.86], config=TrainConfig(iterations=300), workers=1)
    result = caught.value.partial
    assert runs[0] == 2
    assert isinstance(result, SweepResult)
    assert result.cells[0].iterations_run == 300 and result.cells[1:] == [None, None, None]
    assert result.best() is result.cells[0]
    assert result.to_dict()["cells"][1] is None


def test_gradient_check_is_not_labelled_with_iterations_it_did_not_train(ctrl_c, moons):
    ctrl_c(1, 20)
    net = Network([2, 5, 1]).initialize("he", np.random.default_rng(0))
    with pytest.raises(Interrupted) as caught:
        check_network_gradients(net, moons.train_X[:, :20], moons.train_Y[:, :20], after=100_000_000)
    partial = caught.value.partial
    assert [c.iteration for c in partial.checks] == [0]
    assert "interrupted at iteration 20" in caught.value.message


def test_monotonic_check_interrupted(ctrl_c, moons):
    ctrl_c(1, 50)
    with pytest.raises(Interrupted) as caught:
        check_monotonic_dataset(moons, config=TrainConfig(iterations=200))
    assert caught.value.partial is None


def test_monotonic_check_keeps_the_check_when_the_dropout_comparison_is_interrupted(ctrl_c, moons):
    ctrl_c(2, 50)
    with pytest.raises(Interrupted) as caught:
        check_monotonic_dataset(moons, config=TrainConfig(iterations=200, keep_prob=0.8))
    check = caught.value.partial
    assert isinstance(check, MonotonicCheck) and len(check.cost) == 200
    assert check.dropout_cost is None and any("interrupted" in w for w in check.warnings)


def test_normalization_effect_keeps_the_side_that_finished(ctrl_c, moons):
    ctrl_c(2, 20)
    with pytest.raises(Interrupted) as caught:
        normalization_effect(moons, config=TrainConfig(iterations=100))
    effect = caught.value.partial
    assert "raw" in effect and "normalized" not in effect and "speedup" not in effect


def test_reproduce_keeps_the_experiments_that_finished(ctrl_c):
    ctrl_c(2, 1000)
    with pytest.raises(Interrupted) as caught:
        reproduce()
    (done,) = caught.value.partial
    assert done.name == "no_regularization"
    assert done.test_accuracy == PUBLISHED["no_regularization"]["test_accuracy"]


def test_an_interrupted_experiment_is_not_compared(ctrl_c):
    ctrl_c(1, 1000)
    with pytest.raises(Interrupted) as caught:
        run_experiment("l2")
    assert caught.value.partial is None and "1000" in caught.value.message


_SWEEP = textwrap.dedent(
    """
    import sys
    from practicalnn.data.datasets import load_moons
    from practicalnn.errors import Interrupted
    from practicalnn.experiments.sweep import sweep
    from practicalnn.training.trainer import TrainConfig

    def progress(done, total):
        print("cells", done, flush=True)

    try:
        sweep(load_moons(), [0.0, 0.1, 0.2, 0.3, 0.4, 0.5], [1.0, 0.9], config=TrainConfig(iterations={iterations}),
              workers={workers}, progress=progress)
        print("finished", flush=True)
    except Interrupted as err:
        print("interrupted", sum(c is not None for c in err.partial.cells), flush=True)
        sys.exit(130)
    """
)


@pytest.mark.parametrize("group", [False, True], ids=["parent", "process-group"])
def test_pool_sweep_stops_within_seconds_of_ctrl_c(group):
    """Each cell trains for more than a second (12 cells on 2 workers: many seconds left after the
    first); Ctrl-C after the first finished cell must end the sweep at once, its cell kept.
    ``group`` sends it to the whole process group, as a terminal does (the workers get it too)."""
    script = _SWEEP.format(iterations=200_000, workers=2)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.getcwd(), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if line.startswith("cells") and int(line.split()[1]) >= 1 or not line:
                break
        assert lines[-1].startswith("cells"), lines
        start = time.monotonic()
        (os.killpg if group else os.kill)(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        elapsed = time.monotonic() - start
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, (out, err)
    finished = int(out.split("interrupted")[1].split()[0])
    assert 1 <= finished < 12
    # before the fix: 44-57 s and a traceback. Now usually under 5 s, but in some full-suite runs 11.0-11.2 s:
    # a 10 s wait inside the Dask shutdown that is not found yet (see the closing note of the layout round).
    # 30 s keeps the old behaviour failing while that is open.
    assert elapsed < 30, f"{elapsed:.1f} s from Ctrl-C to exit"
    assert "Traceback" not in err, err

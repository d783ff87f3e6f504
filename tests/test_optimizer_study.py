"""The optimizer study: one network, one initial draw, one batch order, four update rules; the data is the
course's own (make_moons after np.random.seed(3)), and what the course claims is measured."""

import numpy as np
import pytest

from practicalnn.cli import main
from practicalnn.diagnostics.optimizer_study import compare_optimizers, course_moons, iterations_to, oscillation
from practicalnn.errors import ConfigError, Interrupted
from practicalnn.training.callbacks import Callback


def test_course_moons_replays_the_exercise_without_touching_global_state():
    from sklearn.datasets import make_moons

    saved = np.random.get_state()
    try:  # the exercise's own code, run against the global state, which is then put back
        np.random.seed(3)
        X, y = make_moons(n_samples=300, noise=0.2)
    finally:
        np.random.set_state(saved)
    before = np.random.get_state()[1].copy()
    d = course_moons()
    np.testing.assert_array_equal(np.random.get_state()[1], before)
    np.testing.assert_array_equal(d.train_X, X.T)
    np.testing.assert_array_equal(d.train_Y.ravel(), y)
    assert d.test_X.shape == (2, 100)


def test_measures_by_hand():
    assert oscillation([1.0, 0.5, 0.7, 0.2]) == pytest.approx((0.5 + 0.2 + 0.5) / 3)
    assert oscillation([0.3]) == 0.0
    assert iterations_to([0, 5, 10, 15], [0.9, 0.5, 0.39, 0.2], 0.4) == 10
    assert iterations_to([0, 5], [0.9, 0.5], 0.4) is None


@pytest.fixture(scope="module")
def study():
    return compare_optimizers(epochs=300)


def test_every_optimizer_starts_from_the_same_weights_and_batches(study):
    first = {r.optimizer: r.result.history.cost[0] for r in study.runs}
    assert len(set(first.values())) == 1  # the same initial weights on the same first mini-batch
    assert [r.optimizer for r in study.runs] == ["gd", "momentum", "rmsprop", "adam"]
    assert all(r.result.history.iterations_run == 300 * 5 for r in study.runs)  # ceil(300 / 64) batches an epoch


def test_adam_and_rmsprop_beat_plain_gradient_descent_at_the_courses_small_rate(study):
    # the course: at learning rate 0.0007 mini-batch gd and momentum barely move; Adam converges far faster
    gd, adam, rms = study.run("gd"), study.run("adam"), study.run("rmsprop")
    assert adam.result.test_accuracy > gd.result.test_accuracy + 0.1
    assert rms.result.test_accuracy > gd.result.test_accuracy + 0.1
    assert adam.iterations_to_target is not None and gd.iterations_to_target is None


def test_bad_input_names_the_argument():
    with pytest.raises(ConfigError, match="optimizers"):
        compare_optimizers(optimizers=["adam", "adam"], epochs=1)
    with pytest.raises(ConfigError, match="optimizers"):
        compare_optimizers(optimizers=["sgd"], epochs=1)
    with pytest.raises(ConfigError, match="epochs"):
        compare_optimizers(epochs=0)


class _InterruptAt(Callback):
    every = 1

    def on_check(self, trainer, iteration):
        if iteration == 3:
            trainer.stop_reason = "interrupted"
            return True
        return False


def test_ctrl_c_keeps_only_the_finished_optimizers():
    with pytest.raises(Interrupted) as info:
        compare_optimizers(epochs=2, callbacks_for=lambda name: [_InterruptAt()] if name == "momentum" else [])
    partial = info.value.partial
    assert [r.optimizer for r in partial.runs] == ["gd"]


def test_cli_prints_the_table(capsys):
    assert main(["compare-optimizers", "--epochs", "20", "--optimizers", "gd,adam"]) == 0
    out = capsys.readouterr().out
    assert "Optimizer study on course_moons" in out and "adam" in out and "oscillation" in out


def test_epoch_means_average_each_epochs_batches():
    from practicalnn.report.optimizers import epoch_means

    epochs, means = epoch_means([0, 1, 2, 3, 4, 5, 6], [1.0, 3.0, 5.0, 2.0, 4.0, 6.0, 7.0], per_epoch=3)
    assert list(epochs) == [0, 1, 2] and list(means) == [3.0, 4.0, 7.0]


def test_cli_report_draws_every_optimizer(capsys, tmp_path):
    import json

    code = main(["compare-optimizers", "--epochs", "30", "--optimizers", "gd,adam", "--json", "--report",
                 str(tmp_path / "rep")])  # fmt: skip
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["report"] == str(tmp_path / "rep" / "index.html")
    files = {p.name for p in (tmp_path / "rep").iterdir()}
    assert {"optimizer_batch_costs.png", "optimizer_epoch_costs.png", "optimizer_gd_boundary.png",
            "optimizer_adam_boundary.png"} <= files  # fmt: skip
    page = (tmp_path / "rep" / "index.html").read_text()
    assert page.count("<tr>") == 3 and "iterations to target" in page  # a header and one row per optimizer

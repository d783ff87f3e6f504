"""Learning-rate schedules against the course's formulas, computed by hand."""

import math

import pytest

from practicalnn.errors import ConfigError
from practicalnn.training.schedules import make_schedule, rate


def test_the_courses_formulas():
    a0 = 0.5
    assert rate(make_schedule("constant"), a0, 7) == 0.5
    assert rate(make_schedule("inverse", decay_rate=1.0), a0, 3) == pytest.approx(0.5 / 4)
    assert rate(make_schedule("exponential", decay_base=0.95), a0, 10) == pytest.approx(0.95**10 * 0.5)
    assert rate(make_schedule("inverse_sqrt", decay_k=2.0), a0, 3) == pytest.approx(2.0 / math.sqrt(4) * 0.5)


def test_staircase_holds_the_rate_over_each_interval():
    s = make_schedule("inverse", decay_rate=1.0, time_interval=1000)
    rates = [rate(s, 0.1, e) for e in (0, 999, 1000, 1999, 2000)]
    assert rates == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.1 / 3])


@pytest.mark.parametrize(
    "kwargs,argument",
    [
        ({"name": "cosine"}, "lr_schedule"),
        ({"name": "inverse", "decay_rate": -1}, "decay_rate"),
        ({"name": "exponential", "decay_base": 1.5}, "decay_base"),
        ({"name": "exponential", "decay_base": 0}, "decay_base"),
        ({"name": "inverse_sqrt", "decay_k": 0}, "decay_k"),
        ({"name": "inverse_sqrt", "decay_k": math.inf}, "decay_k"),
        ({"name": "constant", "time_interval": 0}, "time_interval"),
    ],
)
def test_parameters_that_would_make_the_rate_negative_or_infinite_are_refused(kwargs, argument):
    with pytest.raises(ConfigError, match=argument):
        make_schedule(**kwargs)


def test_the_training_report_plots_the_rate_of_every_update(tmp_path):
    """The train report draws the schedule as the trainer applies it: with mini-batches of 64 on the 134
    moons an epoch is 3 updates, and the staircase holds each rate over 5 epochs (15 updates)."""
    from practicalnn.cli import main

    assert main(["train", "--iterations", "300", "--batch-size", "64", "--lr-schedule", "exponential",
                 "--decay-base", "0.9", "--time-interval", "5", "--report", str(tmp_path / "r")]) == 0  # fmt: skip
    assert (tmp_path / "r" / "model_learning_rate.png").exists()
    assert "exponential schedule, base 0.9, staircase every 5 epochs" in (tmp_path / "r" / "index.html").read_text()

    from practicalnn.data.datasets import load_moons
    from practicalnn.report.reproduce import rate_figure
    from practicalnn.training.config import TrainConfig
    from practicalnn.training.history import History

    class Result:
        config = TrainConfig(learning_rate=0.3, iterations=300, batch_size=64, lr_schedule="exponential",
                             decay_base=0.9, time_interval=5)  # fmt: skip
        history = History()

    Result.history.iterations_run = 300
    _, fig, _ = rate_figure(Result, load_moons().train_X.shape[1], "model")
    its, rates = fig.axes[0].lines[0].get_data()
    assert list(rates) == pytest.approx([0.3 * 0.9 ** (it // 15) for it in its], rel=1e-12)


def test_a_constant_rate_draws_no_schedule(tmp_path):
    from practicalnn.cli import main

    assert main(["train", "--iterations", "200", "--report", str(tmp_path / "r")]) == 0
    assert not (tmp_path / "r" / "model_learning_rate.png").exists()

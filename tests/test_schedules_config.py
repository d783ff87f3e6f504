"""Learning-rate schedules wired into TrainConfig: the course's formulas per epoch, today's decay_rate kept
bit for bit, the fused kernel's fallback, the CLI flags, checkpoints that compare the schedule, bad input."""

import math

import numpy as np
import pytest

import practicalnn
from practicalnn.core.network import Network
from practicalnn.errors import ConfigError
from practicalnn.training.trainer import TrainConfig, Trainer


def test_rate_follows_the_courses_formulas_by_epoch():
    assert TrainConfig(learning_rate=0.5, lr_schedule="exponential", decay_base=0.9).rate(3) == pytest.approx(
        0.5 * 0.9**3
    )
    assert TrainConfig(learning_rate=0.5, lr_schedule="inverse_sqrt", decay_k=2.0).rate(8) == pytest.approx(
        0.5 * 2.0 / math.sqrt(9)
    )
    stair = TrainConfig(learning_rate=0.1, decay_rate=1.0, time_interval=1000)
    assert [stair.rate(e) for e in (0, 999, 1000, 2500)] == pytest.approx([0.1, 0.1, 0.05, 0.1 / 3])
    assert TrainConfig(learning_rate=0.3, lr_schedule="constant", decay_rate=5.0).rate(10) == 0.3


def test_decay_rate_keeps_its_meaning_bit_for_bit():
    config = TrainConfig(learning_rate=0.3, decay_rate=0.01)
    assert [config.rate(e) for e in range(5)] == [0.3 / (1 + 0.01 * e) for e in range(5)]
    assert "lr_schedule" not in TrainConfig().to_dict()  # files of runs without a schedule read as before


def _moons():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, 60))
    return X, (X[0:1] > 0).astype(float)


def test_full_batch_schedules_fall_back_and_match_the_reference():
    X, Y = _moons()
    config = TrainConfig(learning_rate=0.5, iterations=30, lr_schedule="exponential", decay_base=0.9, record_every=1)
    net = Network([2, 4, 1]).initialize("he", np.random.default_rng(0))
    trainer = Trainer(net, config, rng=0)
    assert "learning-rate schedule exponential" in practicalnn.why_not(trainer)
    trainer.fit(X, Y)
    plain = Network([2, 4, 1]).initialize("he", np.random.default_rng(0))
    W, cost = plain.params.copy(), []
    for epoch in range(30):  # plain gradient descent with alpha0 * 0.9 ** epoch
        plain.params[...] = W
        cache = plain.forward(X)
        cost.append(plain.cost(cache, Y)[0])
        W = W - 0.5 * 0.9**epoch * plain.backward(cache, Y)
    np.testing.assert_allclose(net.params, W, rtol=1e-12)
    np.testing.assert_allclose(trainer.history.cost, cost, rtol=1e-12)
    minibatch = Trainer(Network([2, 4, 1]), TrainConfig(batch_size=16, lr_schedule="exponential"), rng=0)
    reason = practicalnn.why_not(minibatch)
    assert reason is None or "schedule" not in reason  # the mini-batch kernel takes a rate per epoch


@pytest.mark.parametrize(
    "fields,argument",
    [
        ({"lr_schedule": "cosine"}, "lr_schedule"),
        ({"decay_rate": -0.1}, "decay_rate"),
        ({"lr_schedule": "exponential", "decay_base": 0.0}, "decay_base"),
        ({"lr_schedule": "exponential", "decay_base": 1.01}, "decay_base"),
        ({"lr_schedule": "inverse_sqrt", "decay_k": -1.0}, "decay_k"),
        ({"lr_schedule": "inverse_sqrt", "decay_k": float("inf")}, "decay_k"),
        ({"time_interval": 0}, "time_interval"),
        ({"lr_schedule": "inverse_sqrt", "decay_k": 1e300, "learning_rate": 1e300}, "lr_schedule"),
    ],
)
def test_bad_schedule_parameters_name_the_argument(fields, argument):
    with pytest.raises(ConfigError, match=argument):
        TrainConfig(**fields)


def test_a_resume_with_another_schedule_is_refused(tmp_path):
    from practicalnn.io.checkpoint import CheckpointWriter, Resume

    X, Y = _moons()
    config = TrainConfig(iterations=10, record_every=5, lr_schedule="exponential")
    net = Network([2, 3, 1]).initialize("he", np.random.default_rng(0))
    Trainer(net, config, rng=0, callbacks=[CheckpointWriter(tmp_path / "s.ckpt", every=5)]).fit(X, Y)
    other = TrainConfig(iterations=20, record_every=5, lr_schedule="exponential", decay_base=0.5)
    with pytest.raises(ConfigError, match="decay_base"):
        Trainer(net, other, rng=0, callbacks=[Resume(tmp_path / "s.ckpt")]).fit(X, Y)


def test_cli_takes_the_schedule_flags(capsys):
    from practicalnn.cli import main

    code = main(
        [
            "train",
            "--iterations",
            "20",
            "--record-every",
            "10",
            "--lr-schedule",
            "exponential",
            "--decay-base",
            "0.9",
            "--json",
        ]
    )
    assert code == 0
    assert '"lr_schedule": "exponential"' in capsys.readouterr().out
    assert main(["train", "--iterations", "5", "--lr-schedule", "inverse_sqrt", "--decay-k", "-1"]) != 0
    assert "decay_k" in capsys.readouterr().err

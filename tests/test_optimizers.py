"""Optimizers (the course summary) checked against the course's update rules computed by hand,
and mini-batch training: a fresh shuffle per epoch, learning-rate decay per epoch."""

import math

import numpy as np
import pytest

from practicalnn.core.network import Network
from practicalnn.errors import ConfigError
from practicalnn.training.optimizers import (
    Adam,
    GradientDescent,
    Momentum,
    RMSprop,
    make_optimizer,
    state_from_dict,
    state_to_dict,
)
from practicalnn.training.trainer import TrainConfig, Trainer

G1, G2 = np.array([1.0, -4.0]), np.array([-2.0, 0.5])
LR = 0.1


def _two_steps(opt, state=None):
    p = np.array([0.5, 0.5])
    state = state or opt.init(p)
    opt.update(p, G1.copy(), LR, state)
    first = p.copy()
    opt.update(p, G2.copy(), LR, state)
    return first, p


def test_gradient_descent():
    first, second = _two_steps(GradientDescent())
    np.testing.assert_allclose(second, [0.5 - 0.1 * 1 + 0.1 * 2, 0.5 + 0.4 - 0.05])


def test_momentum_by_hand():
    # v1 = 0.1 * g1; v2 = 0.9 * v1 + 0.1 * g2
    first, second = _two_steps(Momentum(0.9))
    v1 = [0.1, -0.4]
    v2 = [0.9 * 0.1 + 0.1 * -2.0, 0.9 * -0.4 + 0.1 * 0.5]
    np.testing.assert_allclose(first, [0.5 - LR * v1[0], 0.5 - LR * v1[1]])
    np.testing.assert_allclose(second, [first[0] - LR * v2[0], first[1] - LR * v2[1]])


def test_rmsprop_by_hand():
    first, second = _two_steps(RMSprop(beta2=0.999, epsilon=1e-8))
    s1 = [0.001 * 1.0, 0.001 * 16.0]
    s2 = [0.999 * s1[0] + 0.001 * 4.0, 0.999 * s1[1] + 0.001 * 0.25]
    np.testing.assert_allclose(
        first, [0.5 - LR * 1.0 / (math.sqrt(s1[0]) + 1e-8), 0.5 - LR * -4.0 / (math.sqrt(s1[1]) + 1e-8)]
    )
    np.testing.assert_allclose(
        second, [first[0] - LR * -2.0 / (math.sqrt(s2[0]) + 1e-8), first[1] - LR * 0.5 / (math.sqrt(s2[1]) + 1e-8)]
    )


def test_adam_first_steps_by_hand_with_bias_correction():
    opt = Adam(0.9, 0.999, 1e-8)
    state = opt.init(np.zeros(2))
    first, second = _two_steps(opt, state)
    # step 1: v_hat = g1 and s_hat = g1^2 exactly, so the step is lr * g1 / (|g1| + eps)
    np.testing.assert_allclose(first, [0.5 - LR * 1 / (1 + 1e-8), 0.5 + LR * 4 / (4 + 1e-8)])
    v = [0.9 * 0.1 * 1.0 + 0.1 * -2.0, 0.9 * 0.1 * -4.0 + 0.1 * 0.5]
    s = [0.999 * 0.001 * 1.0 + 0.001 * 4.0, 0.999 * 0.001 * 16.0 + 0.001 * 0.25]
    v_hat = [x / (1 - 0.9**2) for x in v]
    s_hat = [x / (1 - 0.999**2) for x in s]
    expected = [first[i] - LR * v_hat[i] / (math.sqrt(s_hat[i]) + 1e-8) for i in range(2)]
    np.testing.assert_allclose(second, expected, rtol=1e-12)
    assert state.t == 2


def test_state_round_trip_continues_identically():
    a = make_optimizer("adam")
    p = np.array([0.5, 0.5])
    sa = a.init(p)
    a.update(p, G1.copy(), LR, sa)
    b = make_optimizer("adam")
    sb = state_from_dict(b, state_to_dict(a, sa), p)
    pa, pb = p.copy(), p.copy()
    a.update(pa, G2.copy(), LR, sa)
    b.update(pb, G2.copy(), LR, sb)
    np.testing.assert_array_equal(pa, pb)
    with pytest.raises(ConfigError, match="optimizer"):
        make_optimizer("sgd")


class _Recorder:
    """Stands in for the optimizer: records the learning rate of every step."""

    def __init__(self):
        self.rates = []

    def update(self, params, grad, learning_rate, state):
        self.rates.append(learning_rate)


def _trainer(m=10, **cfg):
    X = np.arange(m, dtype=float).reshape(1, m)
    Y = (np.arange(m) % 2).reshape(1, m)
    net = Network([1, 1], "relu", "sigmoid")
    return Trainer(net, TrainConfig(record_every=1000, **cfg), rng=0), X, Y


def test_fresh_shuffle_every_epoch_covers_every_example_once():
    trainer, X, Y = _trainer(10, iterations=9, batch_size=4, learning_rate=0.1)
    seen = []
    trainer.augment = lambda Xb: (seen.append(Xb[0].astype(int).tolist()), Xb)[1]
    trainer.fit(X, Y)
    assert [len(b) for b in seen] == [4, 4, 2] * 3  # ceil(10 / 4) batches per epoch
    epochs = [sum(seen[i : i + 3], []) for i in (0, 3, 6)]
    for order in epochs:
        assert sorted(order) == list(range(10))  # each example once per epoch
    assert epochs[0] != epochs[1] and epochs[1] != epochs[2]  # reshuffled each epoch


def test_learning_rate_decays_per_epoch():
    trainer, X, Y = _trainer(10, iterations=7, batch_size=5, learning_rate=0.2, decay_rate=1.0)
    trainer.optimizer = _Recorder()
    trainer.fit(X, Y)
    # 2 batches per epoch; alpha = alpha0 / (1 + decay_rate * epoch)
    assert trainer.optimizer.rates == pytest.approx([0.2, 0.2, 0.1, 0.1, 0.2 / 3, 0.2 / 3, 0.05])


def test_full_batch_is_the_default():
    trainer, X, Y = _trainer(10, iterations=3, learning_rate=0.1)
    seen = []
    trainer.augment = lambda Xb: (seen.append(Xb.shape[1]), Xb)[1]
    trainer.fit(X, Y)
    assert seen == [10, 10, 10]
    assert isinstance(trainer.optimizer, GradientDescent)

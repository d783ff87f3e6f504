"""Early stopping (notes 9): dev curve recorded, stop after `patience` checks, best parameters back."""

import numpy as np
import pytest

from practicalnn.core.network import Network
from practicalnn.data.datasets import load_dataset
from practicalnn.data.splits import with_dev
from practicalnn.errors import ConfigError
from practicalnn.regularization.early_stopping import EarlyStopping
from practicalnn.training.trainer import TrainConfig, Trainer


@pytest.fixture(scope="module")
def moons():
    return with_dev(load_dataset("moons"), 0.3, seed=0)


def _fit(d, es, iterations=20000, seed=0):
    net = Network([2, 40, 40, 1])
    t = Trainer(net, TrainConfig(learning_rate=0.3, iterations=iterations, record_every=100), rng=seed, callbacks=[es])
    net.initialize("he", t.streams.init)
    return net, t.fit(d.train_X, d.train_Y)


def test_stops_after_patience_and_restores_the_best_check(moons):
    es = EarlyStopping(moons.dev_X, moons.dev_Y, every=100, patience=5, X_train=moons.train_X, Y_train=moons.train_Y)
    net, h = _fit(moons, es)
    its, dev = h.curves["dev_cost"]
    best = its[int(np.argmin(dev))]  # the best check, found by brute force
    assert h.stopped == "early_stopping"
    assert h.best_iteration == best
    assert h.iterations_run == best + 5 * 100  # five checks without improvement, then stop
    assert h.iterations_run < 20000
    # the restored parameters are those of the best check: their dev cost is the minimum recorded
    assert net.cost_on(moons.dev_X, moons.dev_Y)[1] == pytest.approx(min(dev), rel=1e-12)
    assert h.curves["train_cost"][0] == its  # train and dev curves on the same checks
    assert h.curves["dev_accuracy"][0] == its


def test_without_restore_keeps_the_last_parameters(moons):
    es = EarlyStopping(moons.dev_X, moons.dev_Y, every=100, patience=3, restore_best=False)
    net, h = _fit(moons, es)
    last = h.curves["dev_cost"][1][-1]
    assert net.cost_on(moons.dev_X, moons.dev_Y)[1] == pytest.approx(last, rel=1e-12)
    assert last > min(h.curves["dev_cost"][1])


def test_min_delta_counts_small_gains_as_none(moons):
    # with an enormous min_delta no check after the first counts as an improvement
    es = EarlyStopping(moons.dev_X, moons.dev_Y, every=50, patience=2, min_delta=10.0)
    _, h = _fit(moons, es)
    assert h.best_iteration == 0 and h.iterations_run == 100


def test_monitor_accuracy(moons):
    es = EarlyStopping(moons.dev_X, moons.dev_Y, every=100, patience=4, monitor="accuracy")
    net, h = _fit(moons, es)
    its, acc = h.curves["dev_accuracy"]
    assert h.best_iteration == its[int(np.argmax(acc))]  # the first check reaching the maximum
    assert net.accuracy(moons.dev_X, moons.dev_Y) == max(acc)


def test_bad_arguments(moons):
    for kwargs in ({"every": 0}, {"patience": -1}, {"min_delta": -1.0}, {"monitor": "loss"}):
        with pytest.raises(ConfigError):
            EarlyStopping(moons.dev_X, moons.dev_Y, **kwargs)

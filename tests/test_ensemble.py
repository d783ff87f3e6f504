"""Ensembles (notes 9): averaged probabilities of independent models and of snapshots along one run."""

import os

import numpy as np
import pytest

from practicalnn.core.network import Network
from practicalnn.data.datasets import load_dataset
from practicalnn.errors import ConfigError
from practicalnn.regularization.ensemble import (
    Snapshots,
    average_proba,
    ensemble_accuracy,
    snapshot_ensemble,
    train_ensemble,
)
from practicalnn.training.trainer import TrainConfig, Trainer


def _net(w, b):
    net = Network([1, 1], "relu", "sigmoid")
    net.W[1][...] = w
    net.b[1][...] = b
    return net


def test_average_of_probabilities_by_hand():
    X = np.array([[0.0, 1.0]])
    nets = [_net(2.0, 0.0), _net(-1.0, 1.0)]

    def sig(z):
        return 1 / (1 + np.exp(-z))

    expected = [(sig(0) + sig(1)) / 2, (sig(2) + sig(0)) / 2]
    np.testing.assert_allclose(average_proba(nets, X)[0], expected)
    # labels: the average 0.6155 at x=0 is > 0.5, so predicted 1 (right); at x=1 0.6904 -> 1 (wrong)
    assert ensemble_accuracy(nets, X, np.array([[1, 0]])) == 0.5
    with pytest.raises(ConfigError):
        average_proba([], X)


def test_snapshots_evenly_spaced_over_the_second_half():
    net = Network([2, 3, 1])
    snap = Snapshots(1000, count=4, start=0.5)
    t = Trainer(net, TrainConfig(learning_rate=0.1, iterations=1000, record_every=500), rng=0, callbacks=[snap])
    net.initialize("he", t.streams.init)
    X = np.random.default_rng(0).normal(size=(2, 20))
    t.fit(X, (X[0] > 0).reshape(1, -1))
    assert [it for it, *_ in snap.taken] == [625, 750, 875, 1000]
    assert not np.array_equal(snap.taken[0][1], snap.taken[-1][1])
    np.testing.assert_array_equal(snap.taken[-1][1], net.params)


@pytest.fixture(scope="module")
def cancer():
    return load_dataset("breast_cancer")


def test_independent_members_and_the_ensemble_score(cancer):
    cfg = TrainConfig(learning_rate=0.1, iterations=200, record_every=100)
    e = train_ensemble(cancer, 3, config=cfg, normalize=True, hidden=[8])
    assert [m.detail["seed"] for m in e.members] == [0, 1, 2]
    assert not np.array_equal(e.members[0].network.params, e.members[1].network.params)
    # the ensemble's accuracy is that of the averaged probabilities, recomputed here by hand
    d = e.standardizer.transform(cancer.dev_X)
    p = np.mean([m.network.predict_proba(d) for m in e.members], axis=0)
    assert e.dev_accuracy == pytest.approx(np.mean((p > 0.5) == cancer.dev_Y))
    for m in e.members:
        assert m.dev_accuracy == pytest.approx(np.mean(m.network.predict(d) == cancer.dev_Y))
    np.testing.assert_allclose(e.predict_proba(cancer.dev_X), p)
    out = e.to_dict()
    assert len(out["members"]) == 3 and out["kind"] == "independent"


def test_snapshot_ensemble_softmax():
    digits = load_dataset("digits")
    cfg = TrainConfig(learning_rate=0.1, iterations=120, record_every=60)
    e = snapshot_ensemble(digits, 3, config=cfg, normalize=True, hidden=[16])
    assert [m.detail["iteration"] for m in e.members] == [80, 100, 120]
    assert 0.5 < e.dev_accuracy <= 1.0


def test_members_on_dask_workers_are_the_members_trained_here(cancer):
    """The same seeds give bit-identical members whether they train here or on two worker processes."""
    pytest.importorskip("distributed")
    from practicalnn.experiments.tune.execution import DaskExecutor

    cfg = TrainConfig(learning_rate=0.1, iterations=150, record_every=50)
    here = train_ensemble(cancer, 3, config=cfg, normalize=True, hidden=[8])
    executor = DaskExecutor(workers=2)
    try:
        there = train_ensemble(cancer, 3, config=cfg, normalize=True, hidden=[8], executor=executor)
        pids = set(executor.worker_pids().values())
    finally:
        executor.close()
    assert len(pids) == 2 and os.getpid() not in pids
    assert [m.name for m in there.members] == [m.name for m in here.members]
    for a, b in zip(here.members, there.members):
        assert np.array_equal(a.network.params, b.network.params)
    assert there.dev_accuracy == here.dev_accuracy and there.test_accuracy == here.test_accuracy

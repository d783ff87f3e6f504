"""Is J going down? (notes 6 and 8) The check against a plain gradient-descent loop written here."""

import json

import numpy as np
import pytest

from practicalnn import fast
from practicalnn.cli import main
from practicalnn.core.initializers import Initializer
from practicalnn.core.network import Network
from practicalnn.core.penalties import Penalty
from practicalnn.data.datasets import load_moons
from practicalnn.diagnostics.monotonic import check_monotonic, first_rise
from practicalnn.errors import ConfigError
from practicalnn.training.trainer import TrainConfig


@pytest.fixture(scope="module")
def moons():
    return load_moons()


def gd_costs(net, X, Y, learning_rate, iterations, l2=0.0):
    """Full-batch gradient descent by hand: J and J without penalty before each update."""
    net = net.copy()
    Y = Y.astype(float)
    penalty = Penalty(l2=l2)
    J, J0 = [], []
    for _ in range(iterations):
        cache = net.forward(X)
        j, j0 = net.cost(cache, Y, penalty)
        J.append(j)
        J0.append(j0)
        net.params -= learning_rate * net.backward(cache, Y, penalty)
    return np.array(J), np.array(J0)


def test_first_rise_on_hand_made_sequences():
    assert first_rise([3.0, 2.0, 1.0]) is None
    assert first_rise([3.0, 2.0, 2.5, 1.0]) == 2
    assert first_rise([3.0, 3.0, 2.0]) is None  # equal is not a rise
    assert first_rise([1.0, 1.0 + 1e-9], rtol=1e-6) is None
    assert first_rise([1.0, float("inf")]) == 1
    assert first_rise([5.0]) is None


def test_large_learning_rate_rise_is_found_where_a_plain_loop_finds_it(moons):
    net = Network([2, 5, 3, 1]).initialize("he", np.random.default_rng(0))
    # At learning rate 3 the trajectory amplifies rounding: compare on the reference path, whose sums
    # are the plain loop's (the compiled path is held to the reference in tests/test_fast.py).
    with fast.disabled():
        check = check_monotonic(
            net, moons.train_X, moons.train_Y, TrainConfig(learning_rate=3.0, iterations=200), rng=0
        )
    J, _ = gd_costs(net, moons.train_X, moons.train_Y, 3.0, 200)
    rises = np.flatnonzero(np.diff(J) > 0) + 1
    assert not check.monotonic
    assert check.first_rise == rises[0] and check.rises == len(rises)
    assert check.largest_rise == pytest.approx(np.diff(J).max())
    np.testing.assert_allclose(check.cost[:200], J, rtol=1e-10)


def test_small_learning_rate_is_monotonic(moons):
    net = Network([2, 5, 3, 1]).initialize("he", np.random.default_rng(0))
    check = check_monotonic(net, moons.train_X, moons.train_Y, TrainConfig(learning_rate=0.01, iterations=200), rng=0)
    J, _ = gd_costs(net, moons.train_X, moons.train_Y, 0.01, 200)
    assert np.all(np.diff(J) <= 0)
    assert check.monotonic and check.first_rise is None and check.largest_rise == 0.0
    assert "decreased monotonically" in check.describe()[0]


def test_only_the_penalised_cost_must_fall(moons):
    """Strong L2 shrinks the weights: J falls while the data term rises (notes 6)."""
    net = Network([2, 5, 1], "tanh").initialize(Initializer("normal", scale=1.0), np.random.default_rng(0))
    config = TrainConfig(learning_rate=0.01, iterations=300, l2=20.0)
    check = check_monotonic(net, moons.train_X, moons.train_Y, config, rng=0)
    J, J0 = gd_costs(net, moons.train_X, moons.train_Y, 0.01, 300, l2=20.0)
    assert np.all(np.diff(J) <= 0) and np.any(np.diff(J0) > 0)
    assert check.monotonic
    assert check.unpenalized_first_rise == np.flatnonzero(np.diff(J0) > 0)[0] + 1
    assert any("only the penalised J must fall" in line for line in check.describe())


def test_dropout_warns_and_checks_without_it(moons):
    net = Network([2, 8, 1]).initialize("he", np.random.default_rng(1))
    before = net.params.copy()
    config = TrainConfig(learning_rate=0.1, iterations=100, keep_prob=0.7)
    check = check_monotonic(net, moons.train_X, moons.train_Y, config, rng=0)
    J, _ = gd_costs(net, moons.train_X, moons.train_Y, 0.1, 100)
    np.testing.assert_allclose(check.cost[:100], J, rtol=1e-10)  # the check ran with keep_prob = 1
    assert any("J is not well defined" in w for w in check.warnings)
    assert check.dropout_cost is not None and len(check.dropout_cost) == len(check.cost)
    assert not np.allclose(check.dropout_cost, check.cost)
    assert np.array_equal(net.params, before)


def test_bad_rtol(moons):
    net = Network([2, 3, 1]).initialize("he", np.random.default_rng(0))
    with pytest.raises(ConfigError, match="rtol"):
        check_monotonic(net, moons.train_X, moons.train_Y, TrainConfig(iterations=5), rtol=-1)


def test_train_check_monotonic_flag(capsys):
    assert (
        main(
            [
                "train",
                "--iterations",
                "300",
                "--hidden",
                "5,3",
                "--learning-rate",
                "3",
                "--init",
                "he",
                "--check-monotonic",
                "--json",
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["monotonic"]["monotonic"] is False and doc["monotonic"]["first_rise"] > 0
    assert (
        main(
            [
                "train",
                "--iterations",
                "200",
                "--hidden",
                "5",
                "--learning-rate",
                "0.01",
                "--keep-prob",
                "0.8",
                "--check-monotonic",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "decreased monotonically" in out and "not well defined" in out

"""Inverted dropout: the expected activation is preserved, the backward pass reuses the forward
pass's masks, masks are fresh each iteration (default) and nothing is dropped at prediction."""

import numpy as np
import pytest

from practicalnn import ConfigError, Network, TrainConfig, load_moons, train
from practicalnn.core.dropout import keep_probs
from practicalnn.core.random import streams


def ones_network(width=400):
    net = Network([1, width, 1], "relu", "sigmoid")
    net.W[1][...] = 1.0
    return net


@pytest.mark.parametrize("keep_prob", [0.5, 0.8, 0.86])
def test_expected_activation_is_preserved(keep_prob):
    net = ones_network()
    X = np.ones((1, 2000))
    cache = net.forward(X, keep_probs(2, keep_prob), streams(0).masks)
    A1 = cache.A[1]  # 1 where kept, scaled by 1/keep_prob; the undropped value is 1
    dropped = np.mean(cache.D[1] == 0)
    n = A1.size
    assert abs(A1.mean() - 1.0) < 4 * np.sqrt((1 - keep_prob) / keep_prob / n)
    assert abs(dropped - (1 - keep_prob)) < 4 * np.sqrt(keep_prob * (1 - keep_prob) / n)
    np.testing.assert_allclose(np.unique(A1), [0.0, 1 / keep_prob])


def test_backward_applies_the_forward_masks():
    rng = np.random.default_rng(0)
    net = Network([3, 8, 6, 1], "tanh", "sigmoid").initialize("xavier", rng)
    X = rng.standard_normal((3, 10))
    Y = (rng.random((1, 10)) > 0.5).astype(float)
    cache = net.forward(X, keep_probs(3, 0.5), streams(1).masks)
    net.backward(cache, Y, keep_intermediates=True)
    for layer in (1, 2):
        dA = cache.grads[f"dA{layer}"]
        assert np.all(dA[cache.D[layer] == 0] == 0)  # dropped units get no gradient
        assert np.any(dA[cache.D[layer] == 1] != 0)
        np.testing.assert_array_equal(cache.A[layer][cache.D[layer] == 0], 0)


def test_default_mode_draws_fresh_masks_each_pass_and_notebook_mode_the_same():
    net = ones_network(50)
    X = np.ones((1, 40))
    keep = keep_probs(2, 0.7)
    fresh = streams(0).masks
    first, second = net.forward(X, keep, fresh).D[1], net.forward(X, keep, fresh).D[1]
    assert not np.array_equal(first, second)
    nb = streams("notebook").masks
    first, second = net.forward(X, keep, nb).D[1], net.forward(X, keep, nb).D[1]
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, np.random.RandomState(1).rand(50, 40) < 0.7)


def test_nothing_is_dropped_at_prediction():
    data = load_moons()
    net = Network([2, 20, 3, 1])
    train(net, data.train_X, data.train_Y, rng=0, init="he", iterations=300, keep_prob=0.5)
    p1 = net.predict_proba(data.test_X)
    p2 = net.predict_proba(data.test_X)
    np.testing.assert_array_equal(p1, p2)
    np.testing.assert_array_equal(p1, net.forward(data.test_X).A[-1])


def test_output_layer_is_never_dropped_and_per_layer_keep_probs():
    assert keep_probs(4, [0.5, 0.6, 0.7], input_keep_prob=0.9) == [0.9, 0.5, 0.6, 0.7]
    with pytest.raises(ConfigError, match="keep_prob"):
        keep_probs(4, [0.5, 0.6])
    for bad in (0, 1.5, -0.1):
        with pytest.raises(ConfigError, match="keep_prob"):
            TrainConfig(keep_prob=bad)


def test_l2_l1_and_dropout_combine():
    data = load_moons()
    net = Network([2, 20, 3, 1])
    history = train(
        net,
        data.train_X,
        data.train_Y,
        rng=0,
        init="he",
        iterations=2001,
        l2=0.3,
        l1=0.1,
        keep_prob=[0.8, 0.9],
        record_every=500,
    )
    assert history.cost[-1] < history.cost[0]
    assert all(j > j0 for j, j0 in zip(history.cost, history.cost_unpenalized))

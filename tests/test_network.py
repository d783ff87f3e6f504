"""The engine's pieces against hand derivations: parameter layout, initializers, losses, penalties,
history."""

import numpy as np
import pytest

from practicalnn import ConfigError, DataError, Initializer, Network, Penalty, TrainConfig, load_moons, train
from practicalnn.core.params import ParamLayout


def test_flat_buffer_views_share_memory_and_follow_theta_order():
    net = Network([3, 4, 2])
    assert net.params.size == 3 * 4 + 4 + 4 * 2 + 2
    net.params[:] = np.arange(net.params.size)
    np.testing.assert_array_equal(net.W[1], np.arange(12).reshape(4, 3))
    np.testing.assert_array_equal(net.b[1], np.arange(12, 16).reshape(4, 1))
    net.W[2][1, 3] = -1
    assert net.params[16 + 7] == -1
    layout = ParamLayout([3, 4, 2])
    assert layout.name_of(0) == "W1[0, 0]" and layout.name_of(5) == "W1[1, 2]"
    assert layout.name_of(13) == "b1[1, 0]" and layout.name_of(25) == "b2[1, 0]"


@pytest.mark.parametrize("sizes", [[2], [], [2, 0, 1], [2, 2.5, 1]])
def test_bad_layer_sizes(sizes):
    with pytest.raises(ConfigError, match="layer_sizes"):
        Network(sizes)


@pytest.mark.parametrize(
    "name,variance",
    [
        ("xavier", lambda n, p: 1 / p),
        ("he", lambda n, p: 2 / p),
        ("glorot", lambda n, p: 2 / (n + p)),
        ("notebook", lambda n, p: 1 / p),
        ("normal", lambda n, p: 100.0),
    ],
)
def test_initializer_variances(name, variance):
    n, p = 400, 250
    net = Network([p, n, 1]).initialize(name, np.random.default_rng(0))
    W = net.W[1]
    assert abs(W.var() / variance(n, p) - 1) < 0.02  # 100k draws: sd of the ratio ~ 0.0045
    assert abs(W.mean()) < 4 * np.sqrt(variance(n, p) / W.size)
    assert not net.b[1].any()


def test_initializer_numerator_is_a_parameter_and_zeros_are_zero():
    W = Initializer("he", numerator=6.0).weights(np.random.default_rng(1), 300, 300)
    assert abs(W.var() / (6 / 300) - 1) < 0.03
    assert not Initializer("zeros").weights(np.random.default_rng(1), 3, 3).any()
    with pytest.raises(ConfigError, match="numerator"):
        Initializer("he", numerator=0)


def test_binary_cross_entropy_is_finite_when_saturated_and_matches_formula():
    net = Network([1, 1], "relu", "sigmoid")
    Z = np.array([[-800.0, 800.0, 0.0, 40.0]])
    A = net.output.activation.forward(Z)
    Y = np.array([[1.0, 0.0, 1.0, 1.0]])
    cost = net.output.cost(A, Y, Z)
    # by hand: per-example losses 800, 800, log 2, log(1 + e^-40)
    assert cost == pytest.approx((800 + 800 + np.log(2) + np.log1p(np.exp(-40))) / 4, rel=1e-15)
    assert np.isfinite(net.output.cost(A, Y))  # from probabilities alone, still finite


def test_softmax_cross_entropy_integer_and_one_hot_labels_agree():
    net = Network([2, 3], "relu", "softmax")
    Z = np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 1000.0]])
    A = net.output.activation.forward(Z)
    one_hot = net.check_Y(np.array([[0, 2]]), 2)
    np.testing.assert_array_equal(one_hot, [[1, 0], [0, 0], [0, 1]])
    expected = (np.log(np.exp(1) + np.exp(2) + np.exp(3)) - 1 + 0) / 2  # second column: loss ~ 0
    assert net.output.cost(A, one_hot, Z) == pytest.approx(expected, rel=1e-14)
    with pytest.raises(DataError, match="Y="):
        net.check_Y(np.array([[0, 3]]), 2)


def test_mean_squared_error_is_half_the_mean_of_squares():
    net = Network([1, 2], "relu", "identity")
    A, Y = np.array([[1.0, 3.0], [0.0, 0.0]]), np.array([[0.0, 1.0], [1.0, 1.0]])
    assert net.output.cost(A, Y) == pytest.approx((1 + 4 + 1 + 1) / (2 * 2))


def test_penalties_by_hand():
    W = [None, np.array([[1.0, -2.0]]), np.array([[3.0]])]
    m = 4
    assert Penalty(l2=0.5).cost(W, m) == pytest.approx(0.5 / (2 * m) * (1 + 4 + 9))
    assert Penalty(l1=0.5).cost(W, m) == pytest.approx(0.5 / (2 * m) * (1 + 2 + 3))
    dW = np.zeros((1, 2))
    Penalty(l2=0.5, l1=0.2).add_grad(dW, W[1], m)
    np.testing.assert_allclose(dW, 0.5 / m * W[1] + 0.2 / (2 * m) * np.sign(W[1]))
    with pytest.raises(ConfigError, match="l2"):
        Penalty(l2=-1)


def test_history_records_penalised_cost_every_record_every_from_the_forward_pass_before_the_update():
    data = load_moons()
    net = Network([2, 5, 1]).initialize("he", np.random.default_rng(0))
    start = net.params.copy()
    history = train(net, data.train_X, data.train_Y, rng=0, iterations=25, record_every=10, l2=0.4)
    assert history.iterations == [0, 10, 20] and history.iterations_run == 25
    probe = Network([2, 5, 1])
    probe.set_params(start)
    J, J0 = probe.cost_on(data.train_X, data.train_Y, Penalty(l2=0.4))
    assert history.cost[0] == pytest.approx(J, rel=1e-14) and history.cost_unpenalized[0] == pytest.approx(J0)
    assert history.cost[0] - history.cost_unpenalized[0] == pytest.approx(Penalty(l2=0.4).cost(probe.W, 134))


def test_gradient_descent_step_is_params_minus_learning_rate_times_gradient():
    data = load_moons()
    net = Network([2, 4, 1]).initialize("he", np.random.default_rng(3))
    before = net.params.copy()
    grad = net.loss_and_grad(data.train_X, data.train_Y)[2].copy()
    train(net, data.train_X, data.train_Y, iterations=1, learning_rate=0.05)
    np.testing.assert_allclose(net.params, before - 0.05 * grad, rtol=1e-15)


@pytest.mark.parametrize(
    "X,named",
    [
        (np.full((2, 3), np.nan), "NaN"),
        (np.ones((3, 3)), "2 rows"),
        (np.ones(3), "2-D"),
        (np.ones((2, 0)), "at least one"),
    ],
)
def test_bad_inputs_are_named(X, named):
    with pytest.raises(DataError, match=named):
        Network([2, 3, 1]).predict(X)


def test_labels_that_do_not_fit_the_output():
    net = Network([2, 3, 1])
    with pytest.raises(DataError, match="0/1 labels"):
        net.accuracy(np.ones((2, 2)), np.array([[0, 2]]))
    with pytest.raises(DataError, match="examples"):
        train(net, np.ones((2, 3)), np.array([[0, 1]]), iterations=1)


def test_train_config_validates_every_hyperparameter():
    for kwargs, named in [
        ({"batch_size": 0}, "batch_size"),
        ({"optimizer": "sgdx"}, "optimizer"),
        ({"beta1": 1.0}, "beta1"),
        ({"decay_rate": -1}, "decay_rate"),
        ({"input_keep_prob": 0}, "input_keep_prob"),
        ({"iterations": 2.5}, "iterations"),
    ]:
        with pytest.raises(ConfigError, match=named):
            TrainConfig(**kwargs)

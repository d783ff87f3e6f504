"""Gradient checking (notes 13-14): the check itself, every correct configuration, planted bugs."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from practicalnn.cli import main
from practicalnn.core.dropout import FreshMasks, keep_probs
from practicalnn.core.initializers import Initializer
from practicalnn.core.network import Network
from practicalnn.core.penalties import Penalty
from practicalnn.diagnostics.gradcheck import check_network_gradients, gradient_check, relative_difference, verdict_of
from practicalnn.errors import ConfigError, DataError

# -- the check on functions whose gradient is known by hand ---------------------------------------


def cubic(theta):
    """J = sum(theta^3) / 3, so dJ/dtheta = theta^2."""
    return float(np.sum(theta**3) / 3)


def test_exact_gradient_is_correct():
    theta = np.array([0.5, -1.0, 2.0, 0.1])
    result = gradient_check(cubic, theta, theta**2)
    assert result.verdict == "correct"
    assert result.difference < 1e-7
    np.testing.assert_allclose(result.approx, theta**2, rtol=1e-6)


def test_doubled_gradient_gives_one_third():
    # approx ~ g and grad = 2g: ||g - 2g|| / (||g|| + ||2g||) = 1/3 by hand.
    theta = np.array([0.5, -1.0, 2.0, 0.1])
    result = gradient_check(cubic, theta, 2 * theta**2)
    assert result.difference == pytest.approx(1 / 3, rel=1e-6)
    assert result.verdict == "bug"


def test_worst_component_is_named():
    theta = np.array([0.5, -1.0, 2.0, 0.1])
    grad = theta**2
    grad[2] += 0.01
    result = gradient_check(cubic, theta, grad, names=["a", "b", "c", "d"], n_worst=2)
    assert result.worst[0]["index"] == 2 and result.worst[0]["name"] == "c"
    assert result.worst[0]["share"] > 0.99
    assert result.worst[0]["abs_difference"] == pytest.approx(0.01, rel=1e-4)


def test_bands_of_the_notes():
    assert verdict_of(1e-9) == "correct"
    assert verdict_of(1e-5) == "inspect"
    assert verdict_of(1e-3) == "bug"
    assert verdict_of(0.2) == "bug"
    assert verdict_of(float("nan")) == "bug"
    assert relative_difference([0.0], [0.0]) == 0.0


def test_theta_is_restored_bit_for_bit():
    theta = np.array([0.1, 0.2, 0.3]) / 7
    before = theta.copy()
    gradient_check(cubic, theta, theta**2)
    assert np.array_equal(theta, before)


def test_theta_is_restored_when_the_cost_raises():
    theta = np.array([0.1, 0.2, 0.3]) / 7
    before = theta.copy()
    calls = []

    def failing(t):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("boom")
        return cubic(t)

    with pytest.raises(RuntimeError):
        gradient_check(failing, theta, theta**2)
    assert np.array_equal(theta, before)


def test_bad_arguments_name_themselves():
    with pytest.raises(DataError, match="grad"):
        gradient_check(cubic, np.ones(3), np.ones(2))
    with pytest.raises(DataError, match="theta"):
        gradient_check(cubic, [1.0, 2.0], [1.0, 4.0])
    with pytest.raises(ConfigError, match="epsilon"):
        gradient_check(cubic, np.ones(3), np.ones(3), epsilon=0)


# -- every correct configuration of the engine ---------------------------------------------------


def data_for(output, n_x, n_y, m, rng):
    X = rng.standard_normal((n_x, m))
    if output == "sigmoid":
        Y = (rng.random((n_y, m)) < 0.5).astype(float)
    elif output == "softmax":
        Y = rng.integers(0, n_y, (1, m))
    else:
        Y = rng.standard_normal((n_y, m))
    return X, Y


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("output", ["sigmoid", "softmax", "identity"])
@pytest.mark.parametrize("l2,l1", [(0, 0), (0.7, 0), (0, 0.5), (0.3, 0.2)])
def test_engine_gradient_is_correct_at_every_depth(activation, output, l2, l1):
    rng = np.random.default_rng(7)
    n_y = 3 if output == "softmax" else 1
    for depth in range(1, 7):  # depth = number of weight layers: 1 (no hidden layer) .. 6
        sizes = [3] + [4] * (depth - 1) + [n_y]
        net = Network(sizes, activation, output).initialize("xavier", rng)
        for layer in range(1, depth + 1):  # off zero: a dead relu layer would put Z on the kink
            net.b[layer][...] = rng.uniform(0.05, 0.3, net.b[layer].shape)
        X, Y = data_for(output, 3, n_y, 6, rng)
        result = check_network_gradients(net, X, Y, l2=l2, l1=l1)
        assert result.verdict == "correct", (depth, result.difference, result.worst[:2])


def test_network_is_left_untouched_and_names_follow_the_layout():
    rng = np.random.default_rng(1)
    net = Network([2, 3, 1], "tanh", "sigmoid").initialize("xavier", rng)
    before = net.params.copy()
    X, Y = data_for("sigmoid", 2, 1, 5, rng)
    result = check_network_gradients(net, X, Y, n_worst=net.params.size)
    assert np.array_equal(net.params, before)
    names = {w["name"] for w in result.worst}
    assert names == {f"W1[{i}, {j}]" for i in range(3) for j in range(2)} | {f"b1[{i}, 0]" for i in range(3)} | {
        f"W2[0, {j}]" for j in range(3)
    } | {"b2[0, 0]"}
    assert set(result.arrays) == {"W1", "b1", "W2", "b2"}


def test_relu_kink_is_left_out_and_said_so():
    """A dead relu layer with zero biases puts the next Z exactly on the kink, where J has no
    derivative: (relu(eps) - relu(-eps)) / 2 eps = 1/2 of the slope, backprop takes 0. That component
    is left out of the difference and listed as kinked."""
    net = Network([2, 1, 1, 1], "relu")
    net.W[1][...] = [[-1.0, -1.0]]  # negative on positive inputs: layer 1 dead, Z2 = b2 = 0
    net.W[2][...] = [[1.0]]
    net.W[3][...] = [[1.0]]
    X = np.array([[1.0, 2.0, 0.5], [0.5, 1.0, 3.0]])
    Y = np.array([[1.0, 0.0, 1.0]])
    result = check_network_gradients(net, X, Y)
    check = result.checks[0]
    assert [k["name"] for k in check.kinked] == ["b2[0, 0]"]
    b3 = net.layout.slices["b3"][0].start
    assert check.kinked[0]["numeric"] == pytest.approx(result.approx[b3] / 2, rel=1e-5)
    assert check.kinked[0]["analytic"] == 0.0
    assert result.verdict == "correct" and verdict_of(check.difference_all) == "bug"
    assert result.arrays["b2"]["verdict"] == "not differentiable"
    assert "kink" in check.note


def test_cli_lists_kinked_components(capsys):
    assert main(["gradcheck", "--hidden", "5,3", "--examples", "100"]) == 0
    out = capsys.readouterr().out
    assert "Left out at iteration 0" in out and "b2[" in out


# -- planted bugs: copies of the backward pass with one mistake each -----------------------------


def planted_backward(bug, layer_with_bug):
    """network.backward, rewritten from the notes' equations, with ``bug`` planted at one layer."""

    def backward(net, cache, Y, penalty):
        L, m = net.n_layers, Y.shape[1]
        grad = np.empty_like(net.params)
        dW, db = net.layout.views(grad)
        A = cache.A
        dZ = A[L] - Y
        for layer in range(L, 0, -1):
            scale = 1.0 if bug == "missing 1/m" and layer == layer_with_bug else 1.0 / m
            dW[layer][...] = scale * dZ @ A[layer - 1].T
            if penalty.l2 and not (bug == "missing penalty gradient" and layer == layer_with_bug):
                dW[layer] += penalty.l2 / m * net.W[layer]
            db[layer][...] = 1.0 / m * np.sum(dZ, axis=1, keepdims=True)
            if layer == 1:
                break
            if bug == "transposed W" and layer == layer_with_bug:
                dA = net.W[layer] @ dZ  # should be W.T @ dZ
            else:
                dA = net.W[layer].T @ dZ
            if bug == "wrong activation derivative" and layer - 1 == layer_with_bug:
                dZ = dA * (1 - A[layer - 1])  # tanh' is 1 - A^2
            else:
                dZ = dA * (1 - A[layer - 1] ** 2)
        return grad

    return backward


@pytest.fixture
def square_net():
    """tanh, layers [4, 5, 5, 5, 1]: W2 and W3 are square, so a transposed W still runs."""
    rng = np.random.default_rng(3)
    net = Network([4, 5, 5, 5, 1], "tanh", "sigmoid").initialize("xavier", rng)
    X, Y = data_for("sigmoid", 4, 1, 10, rng)
    return net, X, Y


def test_the_planted_copy_without_a_bug_is_correct(square_net):
    net, X, Y = square_net
    result = check_network_gradients(net, X, Y, l2=0.5, backward=planted_backward(None, 0))
    assert result.verdict == "correct"


@pytest.mark.parametrize(
    "bug,layer,wrong_arrays",
    [
        ("missing 1/m", 2, {"W2"}),
        ("wrong activation derivative", 1, {"W1", "b1"}),
        ("missing penalty gradient", 3, {"W3"}),
        ("transposed W", 2, {"W1", "b1"}),
        ("transposed W", 3, {"W1", "b1", "W2", "b2"}),
    ],
)
def test_planted_bug_is_found_and_localised(square_net, bug, layer, wrong_arrays):
    net, X, Y = square_net
    result = check_network_gradients(net, X, Y, l2=0.5, backward=planted_backward(bug, layer))
    assert result.verdict == "bug"
    assert result.worst[0]["array"] in wrong_arrays
    assert result.suspect in wrong_arrays
    for name, part in result.arrays.items():  # arrays the bug cannot reach are still right
        if name not in wrong_arrays:
            assert part["verdict"] == "correct", (name, part)


def test_a_bug_that_only_shows_once_the_weights_grow():
    # tanh'(z) taken as 1: right while z ~ 0 (tiny initial weights), wrong once the weights grow.
    rng = np.random.default_rng(5)
    net = Network([2, 4, 1], "tanh", "sigmoid").initialize(Initializer("normal", scale=1e-3), rng)
    X = rng.standard_normal((2, 20))
    Y = (X[0:1] * X[1:2] > 0).astype(float)

    def linearised(net, cache, Y, penalty):
        grad = np.empty_like(net.params)
        dW, db = net.layout.views(grad)
        m = Y.shape[1]
        dZ2 = cache.A[2] - Y
        dW[2][...] = dZ2 @ cache.A[1].T / m
        db[2][...] = dZ2.sum(axis=1, keepdims=True) / m
        dZ1 = net.W[2].T @ dZ2  # the bug: no * (1 - A1^2)
        dW[1][...] = dZ1 @ cache.A[0].T / m
        db[1][...] = dZ1.sum(axis=1, keepdims=True) / m
        return grad

    result = check_network_gradients(net, X, Y, backward=linearised, after=3000, learning_rate=2.0)
    at_init, trained = result.checks
    assert (at_init.iteration, trained.iteration) == (0, 3000)
    assert at_init.verdict != "bug"
    assert trained.verdict == "bug" and result.verdict == "bug"
    assert result.suspect in ("W1", "b1")


# -- dropout ---------------------------------------------------------------------------------------


def test_dropout_is_refused_with_the_reason():
    net = Network([2, 3, 1]).initialize("he", np.random.default_rng(0))
    X, Y = data_for("sigmoid", 2, 1, 5, np.random.default_rng(0))
    with pytest.raises(ConfigError, match="keep_prob=0.8.*not consistent"):
        check_network_gradients(net, X, Y, keep_prob=0.8)


def test_fresh_masks_make_the_numeric_gradient_meaningless():
    """Why the refusal: with new masks at every evaluation, J jumps and the check says bug."""
    rng = np.random.default_rng(0)
    net = Network([2, 6, 6, 1]).initialize("he", rng)
    X, Y = data_for("sigmoid", 2, 1, 8, rng)
    keep, masks = keep_probs(3, 0.7), FreshMasks(np.random.default_rng(1))

    def J(theta):
        return net.cost(net.forward(X, keep, masks), Y)[0]

    grad = net.backward(net.forward(X, keep, masks), Y)
    assert gradient_check(J, net.params, grad).verdict == "bug"


def test_frozen_masks_are_consistent_and_said_so():
    rng = np.random.default_rng(0)
    net = Network([2, 6, 6, 1], "relu").initialize("he", rng)
    X, Y = data_for("sigmoid", 2, 1, 8, rng)
    result = check_network_gradients(net, X, Y, keep_prob=0.7, input_keep_prob=0.9, freeze_masks=True, l2=0.1)
    assert result.verdict == "correct"
    assert result.dropout == "frozen masks"
    assert "frozen" in result.checks[0].note


def test_penalty_must_be_in_J():
    """Leaving the penalty out of J (notes 14: don't forget it) makes a right gradient look wrong."""
    rng = np.random.default_rng(2)
    net = Network([2, 4, 1], "tanh").initialize("xavier", rng)
    X, Y = data_for("sigmoid", 2, 1, 6, rng)
    penalty = Penalty(l2=2.0)
    grad = net.backward(net.forward(X), Y, penalty)
    without = gradient_check(lambda t: net.cost(net.forward(X), Y)[0], net.params, grad)
    with_it = gradient_check(lambda t: net.cost(net.forward(X), Y, penalty)[0], net.params, grad)
    assert without.verdict == "bug" and with_it.verdict == "correct"


# -- the command -----------------------------------------------------------------------------------


def test_cli_json(capsys):
    code = main(["gradcheck", "--json", "--hidden", "5,3", "--examples", "20", "--l2", "0.5", "--after", "20"])
    out = capsys.readouterr().out
    doc = json.loads(out)
    assert code == 0
    assert doc["verdict"] == "correct"
    assert [c["iteration"] for c in doc["checks"]] == [0, 20]
    assert doc["checks"][0]["worst"][0]["name"].startswith(("W", "b"))


def test_cli_text_and_dropout_refusal(capsys):
    assert main(["gradcheck", "--hidden", "4", "--examples", "10", "--activation", "tanh"]) == 0
    out = capsys.readouterr().out
    assert "correct" in out and "W1" in out
    assert main(["gradcheck", "--keep-prob", "0.8", "--examples", "10"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "keep_prob" in err
    assert main(["gradcheck", "--keep-prob", "0.8", "--freeze-masks", "--examples", "10", "--hidden", "4"]) == 0
    assert "frozen" in capsys.readouterr().out


# -- property: any small shape, any activation and penalty ------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 4), min_size=1, max_size=4),
    n_x=st.integers(1, 3),
    m=st.integers(1, 6),
    activation=st.sampled_from(["relu", "leaky_relu", "tanh", "sigmoid"]),
    l2=st.sampled_from([0.0, 0.5]),
    l1=st.sampled_from([0.0, 0.3]),
    seed=st.integers(0, 10_000),
)
def test_engine_gradient_is_correct_for_any_small_shape(sizes, n_x, m, activation, l2, l1, seed):
    rng = np.random.default_rng(seed)
    net = Network([n_x, *sizes[:-1], 1], activation, "sigmoid").initialize("xavier", rng)
    X, Y = data_for("sigmoid", n_x, 1, m, rng)
    result = check_network_gradients(net, X, Y, l2=l2, l1=l1)
    # With gradients of ~1e-5 the round-off in J alone can exceed the bands (the check's own
    # .roundoff estimate says so); below that floor there is nothing to distinguish from zero error.
    check = result.checks[0]
    assert result.verdict == "correct" or check.difference <= check.roundoff, (
        result.difference,
        check.roundoff,
        result.worst[:2],
        check.note,
    )

"""The notebook's four test cases, through its own API, to the precision it printed."""

import numpy as np
import pytest

from practicalnn import notebook as nb

PRINTED = 0.5e-8 + 1e-12  # arrays are printed with 8 decimals


def arrays(d):
    return {k: np.array(v) for k, v in d.items()}


def test_compute_cost_with_regularization(reference):
    case = reference["cases"]["compute_cost_with_regularization"]
    i = case["inputs"]
    cost = nb.compute_cost_with_regularization(np.array(i["A3"]), np.array(i["Y"]), arrays(i["parameters"]), lambd=0.1)
    assert cost == pytest.approx(case["printed"]["cost"], rel=1e-15, abs=0)


def test_backward_propagation_with_regularization(reference):
    case = reference["cases"]["backward_propagation_with_regularization"]
    i = case["inputs"]
    grads = nb.backward_propagation_with_regularization(
        np.array(i["X"]), np.array(i["Y"]), tuple(np.array(a) for a in i["cache"]), lambd=0.7
    )
    for name in ("dW1", "dW2", "dW3"):
        np.testing.assert_allclose(grads[name], case["printed"][name], rtol=0, atol=PRINTED)
    assert grads["db1"].shape == (2, 1) and "dZ3" in grads and "dA2" in grads


def test_forward_propagation_with_dropout(reference):
    case = reference["cases"]["forward_propagation_with_dropout"]
    i = case["inputs"]
    A3, cache = nb.forward_propagation_with_dropout(np.array(i["X"]), arrays(i["parameters"]), keep_prob=0.7)
    np.testing.assert_allclose(A3, case["printed"]["A3"], rtol=0, atol=PRINTED)
    assert len(cache) == 14  # (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)


def test_backward_propagation_with_dropout(reference):
    case = reference["cases"]["backward_propagation_with_dropout"]
    i = case["inputs"]
    cache = tuple(np.array(a) for a in i["cache"])
    grads = nb.backward_propagation_with_dropout(np.array(i["X"]), np.array(i["Y"]), cache, keep_prob=0.8)
    for name in ("dA1", "dA2"):
        np.testing.assert_allclose(grads[name], case["printed"][name], rtol=0, atol=PRINTED)


def test_load_moons_has_the_notebook_shapes():
    train_X, train_Y, test_X, test_Y = nb.load_moons()
    assert train_X.shape == (2, 134) and train_Y.shape == (1, 134)
    assert test_X.shape == (2, 66) and test_Y.shape == (1, 66)


def test_forward_and_backward_without_dropout_agree_with_a_hand_written_three_layer_pass():
    """The notebook's reg_utils forward/backward, written out by hand for 3 layers."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((3, 7))
    Y = (rng.random((1, 7)) > 0.5).astype(float)
    params = nb.initialize_parameters([3, 4, 2, 1])
    W1, b1, W2, b2, W3, b3 = (params[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    b1 = b1 + 0.1
    params["b1"] = b1
    Z1 = W1 @ X + b1
    A1 = np.maximum(0, Z1)
    Z2 = W2 @ A1 + b2
    A2 = np.maximum(0, Z2)
    Z3 = W3 @ A2 + b3
    A3 = 1 / (1 + np.exp(-Z3))
    a3, cache = nb.forward_propagation(X, params)
    np.testing.assert_allclose(a3, A3, rtol=1e-14)
    m = 7
    dZ3 = A3 - Y
    dW3 = dZ3 @ A2.T / m
    dA2 = W3.T @ dZ3
    dZ2 = dA2 * (A2 > 0)
    dW2 = dZ2 @ A1.T / m
    dZ1 = (W2.T @ dZ2) * (A1 > 0)
    dW1 = dZ1 @ X.T / m
    grads = nb.backward_propagation(X, Y, cache)
    for name, expected in (("dW3", dW3), ("dW2", dW2), ("dW1", dW1), ("db1", dZ1.sum(1, keepdims=True) / m)):
        np.testing.assert_allclose(grads[name], expected, rtol=1e-12, atol=1e-15)
    updated = nb.update_parameters(params, grads, 0.5)
    np.testing.assert_allclose(updated["W2"], W2 - 0.5 * dW2, rtol=1e-14)


def test_initialize_parameters_replays_seed_3():
    params = nb.initialize_parameters([2, 20, 3, 1])
    rs = np.random.RandomState(3)
    np.testing.assert_array_equal(params["W1"], rs.randn(20, 2) / np.sqrt(2))
    np.testing.assert_array_equal(params["W2"], rs.randn(3, 20) / np.sqrt(20))
    assert not params["b3"].any()


def test_predict_prints_accuracy_like_the_notebook(capsys):
    X = np.array([[1.0, -1.0]])
    params = {"W1": np.array([[1.0]]), "b1": np.array([[0.0]])}
    p = nb.predict(X, np.array([[1, 1]]), params)
    assert p.tolist() == [[1, 0]]
    assert capsys.readouterr().out == "Accuracy: 0.5\n"
    assert nb.predict_dec(params, X).tolist() == [[True, False]]

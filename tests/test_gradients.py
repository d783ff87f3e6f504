"""Backward against a two-sided numeric gradient of J, for every activation, output, penalty and
depth 1 to 5 (the notes' gradient check, written here independently of the library)."""

import numpy as np
import pytest

from practicalnn import Network, Penalty
from practicalnn.core.dropout import keep_probs

ACTIVATIONS = ["relu", "leaky_relu", "tanh", "sigmoid"]
OUTPUTS = ["sigmoid", "softmax", "identity"]
PENALTIES = [Penalty(), Penalty(l2=0.7), Penalty(l1=0.3), Penalty(l2=0.5, l1=0.2)]


def numeric_gradient(J, theta, eps=1e-6):
    approx = np.zeros_like(theta)
    for i in range(theta.size):
        old = theta[i]
        theta[i] = old + eps
        plus = J()
        theta[i] = old - eps
        minus = J()
        theta[i] = old
        approx[i] = (plus - minus) / (2 * eps)
    return approx


def problem(depth, activation, output, seed):
    rng = np.random.default_rng(seed)
    sizes = [3] + [4, 5, 3, 4][: depth - 1] + [3 if output == "softmax" else 2 if output == "identity" else 1]
    net = Network(sizes, activation, output).initialize("xavier", rng)
    net.params += 0.05 * rng.standard_normal(net.params.size)  # non-zero biases, no weight exactly 0
    m = 6
    X = rng.standard_normal((3, m))
    if output == "sigmoid":
        Y = (rng.random((1, m)) > 0.5).astype(float)
    elif output == "softmax":
        Y = net.check_Y(rng.integers(0, 3, (1, m)), m)
    else:
        Y = rng.standard_normal((2, m))
    return net, X, Y


def relative_difference(a, b):
    return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))


@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_backward_matches_numeric_gradient(activation, output, depth):
    for k, penalty in enumerate(PENALTIES):
        net, X, Y = problem(depth, activation, output, seed=depth * 100 + k)

        def J(net=net, X=X, Y=Y, penalty=penalty):
            return net.cost(net.forward(X), Y, penalty)[0]

        analytic = net.backward(net.forward(X), Y, penalty)
        approx = numeric_gradient(J, net.params)
        assert relative_difference(approx, analytic) < 1e-7, (penalty, depth)


class FixedMasks:
    """Masks drawn once and replayed at every pass: makes J deterministic under dropout."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.masks, self.i = [], 0

    def begin_pass(self):
        self.i = 0

    def draw(self, shape, keep_prob):
        if self.i == len(self.masks):
            self.masks.append(self.rng.random(shape) < keep_prob)
        self.i += 1
        return self.masks[self.i - 1]


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_backward_with_dropout_matches_numeric_gradient_with_masks_frozen(activation):
    net, X, Y = problem(4, activation, "sigmoid", seed=7)
    keep = keep_probs(net.n_layers, [0.6, 0.8, 0.7], input_keep_prob=0.9)
    masks = FixedMasks(3)
    penalty = Penalty(l2=0.2)

    def J():
        return net.cost(net.forward(X, keep, masks), Y, penalty)[0]

    analytic = net.backward(net.forward(X, keep, masks), Y, penalty)
    assert relative_difference(numeric_gradient(J, net.params), analytic) < 1e-7

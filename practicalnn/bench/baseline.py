"""The baseline every workload is measured against: the notebook's model as a learner writes it from the
notebook, plain NumPy arrays and loops, and the standalone script the cold start runs."""

from __future__ import annotations

import inspect

import numpy as np


def baseline_model(X, Y, learning_rate=0.3, num_iterations=30000, lambd=0.0, keep_prob=1.0):
    """The notebook's three-layer model as a learner writes it: plain arrays, no tricks.

    Initialization and dropout masks follow the notebook (``randn / sqrt(n_prev)`` from seed 3; masks
    from seed 1 drawn afresh at every forward pass), with local RandomState objects instead of
    ``np.random.seed``. Returns the parameters and the costs every 1000 iterations."""
    m = X.shape[1]
    layers_dims = [X.shape[0], 20, 3, 1]
    rs = np.random.RandomState(3)
    parameters = {}
    for l in range(1, 4):
        parameters["W" + str(l)] = rs.randn(layers_dims[l], layers_dims[l - 1]) / np.sqrt(layers_dims[l - 1])
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    costs = []
    for i in range(num_iterations):
        W1, b1, W2, b2, W3, b3 = (parameters[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
        Z1 = np.dot(W1, X) + b1
        A1 = np.maximum(0, Z1)
        if keep_prob < 1:
            masks = np.random.RandomState(1)
            D1 = masks.rand(A1.shape[0], A1.shape[1]) < keep_prob
            A1 = A1 * D1
            A1 = A1 / keep_prob
        Z2 = np.dot(W2, A1) + b2
        A2 = np.maximum(0, Z2)
        if keep_prob < 1:
            D2 = masks.rand(A2.shape[0], A2.shape[1]) < keep_prob
            A2 = A2 * D2
            A2 = A2 / keep_prob
        Z3 = np.dot(W3, A2) + b3
        A3 = 1 / (1 + np.exp(-Z3))
        logprobs = np.multiply(-np.log(A3), Y) + np.multiply(-np.log(1 - A3), 1 - Y)
        cost = 1.0 / m * np.nansum(logprobs)
        if lambd != 0:
            cost = cost + lambd * (np.sum(np.square(W1)) + np.sum(np.square(W2)) + np.sum(np.square(W3))) / (2 * m)
        dZ3 = A3 - Y
        dW3 = 1.0 / m * np.dot(dZ3, A2.T) + (lambd * W3) / m
        db3 = 1.0 / m * np.sum(dZ3, axis=1, keepdims=True)
        dA2 = np.dot(W3.T, dZ3)
        if keep_prob < 1:
            dA2 = dA2 * D2
            dA2 = dA2 / keep_prob
        dZ2 = np.multiply(dA2, np.int64(A2 > 0))
        dW2 = 1.0 / m * np.dot(dZ2, A1.T) + (lambd * W2) / m
        db2 = 1.0 / m * np.sum(dZ2, axis=1, keepdims=True)
        dA1 = np.dot(W2.T, dZ2)
        if keep_prob < 1:
            dA1 = dA1 * D1
            dA1 = dA1 / keep_prob
        dZ1 = np.multiply(dA1, np.int64(A1 > 0))
        dW1 = 1.0 / m * np.dot(dZ1, X.T) + (lambd * W1) / m
        db1 = 1.0 / m * np.sum(dZ1, axis=1, keepdims=True)
        grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}
        for l in range(1, 4):
            parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
            parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * grads["db" + str(l)]
        if i % 1000 == 0:
            costs.append(cost)
    return parameters, costs


def baseline_accuracy(parameters, X, Y):
    """The notebook's ``predict``: forward without dropout, threshold 0.5, mean agreement."""
    A = X
    for l in range(1, 4):
        Z = np.dot(parameters["W" + str(l)], A) + parameters["b" + str(l)]
        A = np.maximum(0, Z) if l < 3 else 1 / (1 + np.exp(-Z))
    return float(np.mean((A > 0.5) == Y))


def baseline_script(iterations=30000):
    """A standalone script that loads the moons and runs ``baseline_model``, as a learner would."""
    return (
        "import numpy as np\nimport sklearn.datasets\nfrom sklearn.model_selection import train_test_split\n\n"
        + inspect.getsource(baseline_model)
        + "\n\n"
        "X, Y = sklearn.datasets.make_moons(200, noise=0.20, random_state=0)\n"
        "train_X, test_X, train_Y, test_Y = train_test_split(X, Y.reshape(-1, 1), test_size=0.33, random_state=42)\n"
        f"parameters, costs = baseline_model(train_X.T, train_Y.T, num_iterations={iterations})\n"
        "print(costs[-1])\n"
    )

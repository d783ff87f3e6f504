"""The benchmark behind ``practicalnn bench``: every workload against every alternative, in one process,
with one thread count for everyone, several repeats, medians and ratios.

Workloads (see docs/performance.md for what each ratio means):

* **W1**, the notebook's model: layers [2, 20, 3, 1] on the 134 moons, 30000 full-batch steps.
  Alternatives: ``baseline_model`` below (the loop a learner writes from the notebook), scikit-learn's
  MLPClassifier set to the same work, PyTorch eager on the CPU when installed.
* **W2**, a sweep: the W1 model for 8 lambda x 8 keep_prob. Alternative: the baseline 64 times.
* **W3**, larger data: 60,000 x 784 float32 features, 10 classes, [784, 256, 128, 10] softmax,
  mini-batches of 256, one epoch. Alternatives: MLPClassifier, PyTorch; and the rate of the same
  matrix products done bare.
* **Cold start**: whole processes: ``practicalnn train`` with an empty and with a warm compile cache,
  beside a script that runs the baseline (imports included).

The library never prints: ``run`` returns a dict and ``progress(done, total, what)`` reports steps.
"""

from __future__ import annotations

import inspect
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings

import numpy as np

from .. import fast
from ..core.network import Network
from ..data.datasets import load_moons
from ..training.trainer import TrainConfig, Trainer

L2_GRID = [0.0, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5, 0.7]
KEEP_GRID = [1.0, 0.95, 0.9, 0.86, 0.8, 0.7, 0.6, 0.5]
#: The issue's goals, per (workload, row): ("speedup", x) the alternative takes at least x times as
#: long; ("share", f) practicalnn reaches at least the fraction f of a rate; ("max_seconds", s) the
#: row itself takes less than s seconds.
GOALS = {
    ("W1", "numpy baseline"): ("speedup", 10.0),
    ("W1", "scikit-learn MLPClassifier"): ("speedup", 20.0),
    ("W2", "numpy baseline x 64"): ("speedup", 30.0),
    ("W3", "scikit-learn MLPClassifier"): ("speedup", 1.2),
    ("W3", "bare matrix products"): ("share", 0.8),
    ("cold", "numpy baseline script"): ("speedup", 3.0),
    ("cold", "practicalnn train, first run"): ("max_seconds", 10.0),
}
#: How many times each workload calls ``progress`` (one more for W1 and W3 when PyTorch is there).
STEPS = {"w1": 2, "w2": 3, "w3": 2, "cold": 2}


# -- the baseline: what a learner writes from the notebook ---------------------------------------
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


# -- timing helpers --------------------------------------------------------------------------------
def _timed(fn, repeats):
    """Run ``fn`` ``repeats`` times; (median seconds, all seconds, the last result)."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def _timed_together(fns, repeats):
    """Time several implementations in turns, one run of each per round, so that a noisy spell on a
    shared machine falls on all of them alike: ``{name: (median seconds, all seconds, last result)}``."""
    times = {name: [] for name in fns}
    results = {}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - start)
    return {name: (statistics.median(times[name]), times[name], results[name]) for name in fns}


def _peak_bytes(fn):
    """Peak of traced Python/NumPy allocations while ``fn`` runs (its result is discarded)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _relative(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))) if a.size else 0.0


def _row(workload, implementation, seconds, times, ours, note="", unit_rate=None):
    """One row: the alternative's time over practicalnn's (``ours``) as its ratio, and its goal."""
    kind, goal = GOALS.get((workload, implementation), (None, None))
    ratio = None if ours is None or implementation.startswith("practicalnn") else seconds / ours
    if kind == "max_seconds":
        met = seconds < goal
    else:
        met = None if goal is None or ratio is None else ratio >= goal
    return {
        "workload": workload,
        "implementation": implementation,
        "median_s": seconds,
        "runs": len(times),
        "times_s": times,
        "ratio": ratio,
        "goal": goal,
        "met": met,
        "rate": unit_rate,
        "note": note,
    }


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


# -- W1 ------------------------------------------------------------------------------------------
def _notebook_trainer(iterations, config=None):
    net = Network([2, 20, 3, 1], "relu", "sigmoid")
    trainer = Trainer(net, config or TrainConfig(learning_rate=0.3, iterations=iterations), rng="notebook")
    net.initialize("notebook", trainer.streams.init)
    return net, trainer


def _practicalnn_w1(d, iterations):
    net, trainer = _notebook_trainer(iterations)
    history = trainer.fit(d.train_X, d.train_Y)
    return net, history


def _sklearn_mlp(hidden, iterations, batch_size, learning_rate, shuffle):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(
        hidden_layer_sizes=hidden,
        activation="relu",
        solver="sgd",
        alpha=0.0,
        batch_size=batch_size,
        learning_rate="constant",
        learning_rate_init=learning_rate,
        max_iter=iterations,
        shuffle=shuffle,
        momentum=0.0,
        nesterovs_momentum=False,
        early_stopping=False,
        tol=0.0,
        n_iter_no_change=iterations + 1,
        random_state=0,
    )


def _sklearn_fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: max_iter is the point here
        return model.fit(X, y)


def _torch_w1(torch, d, iterations, initial):
    X = torch.from_numpy(np.ascontiguousarray(d.train_X.T))
    y = torch.from_numpy(np.ascontiguousarray(d.train_Y.T, dtype=np.float64))
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 20), torch.nn.ReLU(), torch.nn.Linear(20, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1)
    ).double()
    with torch.no_grad():
        for layer, lin in zip((1, 2, 3), (model[0], model[2], model[4])):
            lin.weight.copy_(torch.from_numpy(initial[f"W{layer}"]))
            lin.bias.copy_(torch.from_numpy(initial[f"b{layer}"].ravel()))
    opt = torch.optim.SGD(model.parameters(), lr=0.3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    for _ in range(iterations):
        opt.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        opt.step()
    with torch.no_grad():
        train = ((model(X) > 0).double() == y).double().mean().item()
    return loss.item(), train


def w1(repeats=3, iterations=30000, progress=None):
    """W1: the notebook's model. Rows, correctness checks and peak memory."""
    d = load_moons()
    step = progress or (lambda what: None)
    _practicalnn_w1(d, 10)  # compile (or load the cached kernel) outside the timing
    X, y = d.train_X.T, d.train_Y.ravel()

    def baseline():
        with np.errstate(divide="ignore", invalid="ignore"):  # the notebook's log(1 - a) at a = 1; nansum drops it
            return baseline_model(d.train_X, d.train_Y, num_iterations=iterations)

    step("W1 practicalnn, numpy baseline and scikit-learn, in turns")
    timed = _timed_together(
        {
            "ours": lambda: _practicalnn_w1(d, iterations),
            "baseline": baseline,
            "sklearn": lambda: _sklearn_fit(_sklearn_mlp((20, 3), iterations, 134, 0.3, False), X, y),
        },
        repeats,
    )
    ours, ours_times, (net, history) = timed["ours"]
    base_s, base_times, (base_params, base_costs) = timed["baseline"]
    sk_s, sk_times, sk = timed["sklearn"]
    step("W1 reference path")
    with fast.disabled():
        ref_s, ref_times, (ref_net, ref_history) = _timed(lambda: _practicalnn_w1(d, iterations), 1)
    rows = [
        _row("W1", "practicalnn (fast path)", ours, ours_times, ours, f"{iterations / ours:,.0f} it/s"),
        _row("W1", "practicalnn (reference path)", ref_s, ref_times, ours, "the same library, compiled kernel off"),
        _row("W1", "numpy baseline", base_s, base_times, ours, "the notebook's loop"),
        _row(
            "W1",
            "scikit-learn MLPClassifier",
            sk_s,
            sk_times,
            ours,
            f"sgd, batch 134, momentum 0; train accuracy {sk.score(X, y):.4f}",
        ),
    ]
    torch = _torch()
    if torch is not None:
        step("W1 pytorch")
        start, _ = _notebook_trainer(iterations)
        initial = start.parameters()
        _torch_w1(torch, d, 20, initial)  # PyTorch's one-time start-up, outside the timing
        t_s, t_times, (t_loss, t_acc) = _timed(lambda: _torch_w1(torch, d, iterations, initial), repeats)
        rows.append(
            _row(
                "W1",
                "pytorch eager (cpu)",
                t_s,
                t_times,
                ours,
                f"float64, same initial weights; final loss {t_loss:.6g}, train accuracy {t_acc:.4f}",
            )
        )
    checks = {
        "costs_vs_reference_max_rel": _relative(history.cost, ref_history.cost),
        "costs_vs_baseline_max_rel": _relative(history.cost, base_costs),
        "train_accuracy": net.accuracy(d.train_X, d.train_Y),
        "test_accuracy": net.accuracy(d.test_X, d.test_Y),
        "reference_train_accuracy": ref_net.accuracy(d.train_X, d.train_Y),
        "reference_test_accuracy": ref_net.accuracy(d.test_X, d.test_Y),
        "baseline_train_accuracy": baseline_accuracy(base_params, d.train_X, d.train_Y),
        "baseline_test_accuracy": baseline_accuracy(base_params, d.test_X, d.test_Y),
    }
    checks["same_results"] = bool(
        checks["costs_vs_reference_max_rel"] <= 1e-9
        and checks["costs_vs_baseline_max_rel"] <= 1e-9
        and checks["train_accuracy"] == checks["reference_train_accuracy"] == checks["baseline_train_accuracy"]
        and checks["test_accuracy"] == checks["reference_test_accuracy"] == checks["baseline_test_accuracy"]
    )
    memory = {"practicalnn": _peak_bytes(lambda: _practicalnn_w1(d, min(iterations, 2000)))}
    return {"rows": rows, "checks": checks, "peak_bytes": memory}


# -- W2 ------------------------------------------------------------------------------------------
def w2(repeats=3, iterations=30000, l2=L2_GRID, keep=KEEP_GRID, workers=None, progress=None):
    """W2: a sweep of the W1 model over ``l2`` x ``keep``, against the baseline run once per cell."""
    from ..experiments.sweep import sweep

    d = load_moons()
    step = progress or (lambda what: None)
    config = TrainConfig(learning_rate=0.3, iterations=iterations)
    step("W2 practicalnn sweep")
    ours, ours_times, result = _timed(
        lambda: sweep(d, l2, keep, config=config, rng="notebook", init="notebook", workers=workers), repeats
    )
    step(f"W2 numpy baseline x {len(l2) * len(keep)}")

    def baseline_all():
        return [
            (a, k, baseline_model(d.train_X, d.train_Y, num_iterations=iterations, lambd=a, keep_prob=k))
            for k in keep
            for a in l2
        ]

    with np.errstate(divide="ignore", invalid="ignore"):
        base_s, base_times, runs = _timed(baseline_all, 1)
    same, differing = 0, []
    for a, k, (params, costs) in runs:
        cell = result.cell(a, k)
        if (
            _relative([cell.final_cost], [costs[-1]]) <= 1e-9
            and cell.train_accuracy == baseline_accuracy(params, d.train_X, d.train_Y)
            and cell.dev_accuracy == baseline_accuracy(params, d.test_X, d.test_Y)
        ):
            same += 1
        else:
            differing.append((a, k, costs[-1], cell))
    step(f"W2 sensitivity of the {len(differing)} differing cell(s)")
    chaotic = [_chaotic(d, a, k, iterations, base_cost, cell) for a, k, base_cost, cell in differing]
    n = len(l2) * len(keep)
    rows = [
        _row("W2", "practicalnn sweep", ours, ours_times, ours, f"{n} models on {result.setup['workers']} worker(s)"),
        _row("W2", f"numpy baseline x {n}", base_s, base_times, ours, f"sequential, timed once ({n} runs)"),
    ]
    checks = {
        "cells": n,
        "cells_same": same,
        "cells_chaotic": [c for c in chaotic if c["chaotic"]],
        "cells_differing_not_chaotic": [c for c in chaotic if not c["chaotic"]],
        "same_results": all(c["chaotic"] for c in chaotic),
    }
    return {
        "rows": rows,
        "checks": checks,
        "peak_bytes": {
            "practicalnn (parent process)": _peak_bytes(
                lambda: sweep(
                    d,
                    l2[:2],
                    keep[:1],
                    config=TrainConfig(learning_rate=0.3, iterations=min(iterations, 1000)),
                    rng="notebook",
                    workers=1,
                )
            )
        },
    }


#: A cell is sensitive when nudging its initial weights by 1e-15 (relative) moves the reference path's
#: final cost by more than this: it amplifies rounding 10,000-fold, so no two implementations whose
#: sums round differently can be expected to agree on it to 1e-9.
SENSITIVE = 1e-11


def _chaotic(d, l2, keep, iterations, base_cost, cell):
    """Whether a cell's result is sensitive to rounding alone: the reference path, started from the
    initial weights scaled by (1 + 1e-15), ends more than ``SENSITIVE`` (relative) from the baseline."""
    config = TrainConfig(learning_rate=0.3, iterations=iterations, l2=l2, keep_prob=keep)
    net, trainer = _notebook_trainer(iterations, config)
    net.params *= 1 + 1e-15
    with fast.disabled():
        history = trainer.fit(d.train_X, d.train_Y)
    moved = _relative([history.cost[-1]], [base_cost])
    return {
        "l2": l2,
        "keep_prob": keep,
        "fast_vs_baseline_rel": _relative([cell.final_cost], [base_cost]),
        "perturbed_reference_vs_baseline_rel": moved,
        "chaotic": moved > SENSITIVE,
    }


# -- W3 ------------------------------------------------------------------------------------------
W3_SIZES = [784, 256, 128, 10]


def w3_flops_per_example(sizes=W3_SIZES):
    """Multiply-add FLOPs (2 per multiply-add) of one forward and backward pass per example:
    Z = W A for every layer, dW = dZ A.T for every layer, dA = W.T dZ for every layer but the first."""
    pairs = list(zip(sizes[1:], sizes[:-1]))
    forward = sum(2 * n * p for n, p in pairs)
    return forward + forward + sum(2 * n * p for n, p in pairs[1:])


def w3_data(m=60000, seed=0):
    """Random float32 features (m, 784) and integer labels in 0..9: the shape of MNIST, none of its cost."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, W3_SIZES[0]), dtype=np.float32), rng.integers(0, W3_SIZES[-1], m)


def _practicalnn_w3(X, y, batch=256):
    net = Network(W3_SIZES, "relu", "softmax", np.float32)
    trainer = Trainer(
        net, TrainConfig(learning_rate=0.01, iterations=math.ceil(X.shape[0] / batch), batch_size=batch), rng=0
    )
    net.initialize("he", trainer.streams.init)
    history = trainer.fit(X.T, y.reshape(1, -1))  # X.T: the notes' (n_x, m) layout, a view, no copy
    return net, history


def _bare_products(X, batch=256, seed=0):
    """The matrix products of one epoch, alone, on preallocated arrays: the rate to approach."""
    rng = np.random.default_rng(seed)
    sizes = W3_SIZES
    W = [None] + [rng.standard_normal((sizes[l], sizes[l - 1]), dtype=np.float32) for l in range(1, len(sizes))]
    A = [np.empty((n, batch), np.float32) for n in sizes]
    dW = [None] + [np.empty_like(w) for w in W[1:]]
    dZ = [np.empty((n, batch), np.float32) for n in sizes]
    A[0][...] = X[:batch].T
    for _ in range(math.ceil(X.shape[0] / batch)):
        for l in range(1, len(sizes)):
            np.matmul(W[l], A[l - 1], out=A[l])
        dZ[-1][...] = A[-1]
        for l in range(len(sizes) - 1, 0, -1):
            np.matmul(dZ[l], A[l - 1].T, out=dW[l])
            if l > 1:
                np.matmul(W[l].T, dZ[l], out=dZ[l - 1])


def _torch_w3(torch, X, y, batch=256):
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()
    order = torch.randperm(Xt.shape[0], generator=torch.Generator().manual_seed(0))
    for start in range(0, Xt.shape[0], batch):
        idx = order[start : start + batch]
        opt.zero_grad()
        loss = loss_fn(model(Xt[idx]), yt[idx])
        loss.backward()
        opt.step()
    return loss.item()


def w3(repeats=3, m=60000, progress=None):
    """W3: one epoch of mini-batches on 60,000 x 784 float32; throughput, GFLOP/s and peak memory."""
    step = progress or (lambda what: None)
    X, y = w3_data(m)
    flops = w3_flops_per_example() * m
    _practicalnn_w3(X[:2048], y[:2048])
    step("W3 practicalnn, bare matrix products and scikit-learn, in turns")
    timed = _timed_together(
        {
            "ours": lambda: _practicalnn_w3(X, y),
            "bare": lambda: _bare_products(X),
            "sklearn": lambda: _sklearn_fit(_sklearn_mlp((256, 128), 1, 256, 0.01, True), X, y),
        },
        repeats,
    )
    ours, ours_times, (net, history) = timed["ours"]
    bare, bare_times, _ = timed["bare"]
    sk_s, sk_times, _ = timed["sklearn"]
    rate = lambda s: f"{m / s:,.0f} examples/s, {flops / s / 1e9:.1f} GFLOP/s"
    rows = [
        _row("W3", "practicalnn", ours, ours_times, ours, rate(ours), flops / ours / 1e9),
        _row("W3", "bare matrix products", bare, bare_times, ours, rate(bare), flops / bare / 1e9),
        _row("W3", "scikit-learn MLPClassifier", sk_s, sk_times, ours, rate(sk_s), flops / sk_s / 1e9),
    ]
    torch = _torch()
    if torch is not None:
        step("W3 pytorch")
        _torch_w3(torch, X[:1024], y[:1024])
        t_s, t_times, _ = _timed(lambda: _torch_w3(torch, X, y), repeats)
        rows.append(_row("W3", "pytorch eager (cpu)", t_s, t_times, ours, rate(t_s), flops / t_s / 1e9))
    step("W3 peak memory")
    X = y = timed = None  # free the data before measuring a fresh run's peak memory

    def fresh():
        Xm, ym = w3_data(m)
        _practicalnn_w3(Xm, ym)

    peak = _peak_bytes(fresh)
    data = m * W3_SIZES[0] * 4 + m * 8
    params = sum(W3_SIZES[l] * (W3_SIZES[l - 1] + 1) for l in range(1, len(W3_SIZES))) * 4
    finite = bool(np.isfinite(history.cost).all())  # random labels: a finite cost is all there is to check
    checks = {
        "cost_finite": finite,
        "gflops": flops / ours / 1e9,
        "bare_gflops": flops / bare / 1e9,
        "same_results": finite,
    }
    memory = {"practicalnn": peak, "dataset_plus_parameters": data + params, "ratio": peak / (data + params)}
    return {"rows": rows, "checks": checks, "peak_bytes": memory}


# -- cold start ------------------------------------------------------------------------------------
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


def _process_seconds(argv, env):
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} failed: {done.stderr.strip()[-300:]}")
    return seconds


def cold_start(repeats=3, iterations=30000, threads=None, progress=None):
    """Whole-process wall time of ``practicalnn train`` (the W1 model) with an empty compile cache, then
    with a warm one, beside a script that runs the baseline."""
    step = progress or (lambda what: None)
    env = dict(os.environ)
    if threads:
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
            env[name] = str(threads)
    train = [sys.executable, "-m", "practicalnn", "train", "--rng", "notebook", "--iterations", str(iterations)]
    with tempfile.TemporaryDirectory(prefix="practicalnn-numba-") as cache:
        env["NUMBA_CACHE_DIR"] = cache
        step("cold start: empty compile cache")
        cold = _process_seconds(train, env)
        step("cold start: warm cache and baseline script, in turns")
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
            fh.write(baseline_script(iterations))
        try:
            timed = _timed_together(
                {
                    "warm": lambda: _process_seconds(train, env),
                    "baseline": lambda: _process_seconds([sys.executable, fh.name], env),
                },
                repeats,
            )
        finally:
            os.unlink(fh.name)
    (warm, warm_times, _), (base, base_times, _) = timed["warm"], timed["baseline"]  # whole processes, in turns
    rows = [
        _row("cold", "practicalnn train, warm cache", warm, warm_times, warm, "whole process, imports included"),
        _row("cold", "numpy baseline script", base, base_times, warm, "whole process, imports included"),
        _row("cold", "practicalnn train, first run", cold, [cold], None, "empty compile cache: compilation included"),
    ]
    return {"rows": rows, "checks": {"first_run_s": cold, "same_results": True}, "peak_bytes": {}}


# -- all of it -------------------------------------------------------------------------------------
WORKLOADS = ("w1", "w2", "w3", "cold")


def run(*, quick=False, repeats=3, threads=None, only=WORKLOADS, progress=None):
    """Run the benchmark and return ``{"setup", "workloads": {name: {rows, checks, peak_bytes}}}``.

    ``quick`` shrinks every workload (a few hundred iterations, 2x2 sweep, 2,560 rows) to check
    results, not speed. ``threads`` (default: every core) limits BLAS, PyTorch, Numba and the sweep's
    workers alike. ``progress(done, total, what)`` is called before each measured step."""
    threads = threads or os.cpu_count() or 1
    from threadpoolctl import threadpool_limits

    torch = _torch()
    total = sum(STEPS[w] + (torch is not None and w in ("w1", "w3")) for w in only)
    done = [0]

    def step(what):
        if progress is not None:
            progress(done[0], total, what)
        done[0] += 1

    if torch is not None:
        torch.set_num_threads(threads)
    try:
        import numba

        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    except ImportError:
        pass
    its = 500 if quick else 30000
    out = {
        "setup": {
            "quick": quick,
            "repeats": repeats,
            "threads": threads,
            "cpu_count": os.cpu_count(),
            "numpy": np.__version__,
            "python": sys.version.split()[0],
            "torch": None if torch is None else torch.__version__,
            "fast_path": fast.enabled(),
        },
        "workloads": {},
    }
    with threadpool_limits(threads):
        if "w1" in only:
            out["workloads"]["W1"] = w1(repeats, its, step)
        if "w2" in only:
            grid = (L2_GRID[::4], KEEP_GRID[::4]) if quick else (L2_GRID, KEEP_GRID)
            out["workloads"]["W2"] = w2(repeats, its, *grid, workers=threads, progress=step)
        if "w3" in only:
            out["workloads"]["W3"] = w3(repeats, 2560 if quick else 60000, step)
        if "cold" in only:
            out["workloads"]["cold"] = cold_start(repeats, its, threads, step)
    return out

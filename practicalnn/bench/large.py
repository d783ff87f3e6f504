"""W3, larger data: one epoch of mini-batches on 60,000 x 784 float32 features, against scikit-learn,
PyTorch and the bare matrix products of the same shapes; throughput, GFLOP/s and peak memory."""

from __future__ import annotations

import math

import numpy as np

from ..core.network import Network
from ..training.trainer import TrainConfig, Trainer
from . import alternatives
from .harness import peak_bytes, row, timed, timed_together

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


def w3(repeats=3, m=60000, progress=None):
    """W3: one epoch of mini-batches on 60,000 x 784 float32; throughput, GFLOP/s and peak memory."""
    step = progress or (lambda what: None)
    X, y = w3_data(m)
    flops = w3_flops_per_example() * m
    _practicalnn_w3(X[:2048], y[:2048])
    step("W3 practicalnn, bare matrix products and scikit-learn, in turns")
    turns = timed_together(
        {
            "ours": lambda: _practicalnn_w3(X, y),
            "bare": lambda: _bare_products(X),
            "sklearn": lambda: alternatives.sklearn_fit(alternatives.sklearn_mlp((256, 128), 1, 256, 0.01, True), X, y),
        },
        repeats,
    )
    ours, ours_times, (net, history) = turns["ours"]
    bare, bare_times, _ = turns["bare"]
    sk_s, sk_times, _ = turns["sklearn"]

    def rate(seconds):
        return f"{m / seconds:,.0f} examples/s, {flops / seconds / 1e9:.1f} GFLOP/s"

    rows = [
        row("W3", "practicalnn", ours, ours_times, ours, rate(ours), flops / ours / 1e9),
        row("W3", "bare matrix products", bare, bare_times, ours, rate(bare), flops / bare / 1e9),
        row("W3", "scikit-learn MLPClassifier", sk_s, sk_times, ours, rate(sk_s), flops / sk_s / 1e9),
    ]
    torch = alternatives.torch_or_none()
    if torch is not None:
        step("W3 pytorch")
        alternatives.torch_w3(torch, X[:1024], y[:1024])
        t_s, t_times, _ = timed(lambda: alternatives.torch_w3(torch, X, y), repeats)
        rows.append(row("W3", "pytorch eager (cpu)", t_s, t_times, ours, rate(t_s), flops / t_s / 1e9))
    step("W3 peak memory")
    X = y = turns = None  # free the data before measuring a fresh run's peak memory

    def fresh():
        Xm, ym = w3_data(m)
        _practicalnn_w3(Xm, ym)

    peak = peak_bytes(fresh)
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

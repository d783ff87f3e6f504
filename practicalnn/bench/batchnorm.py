"""Batch normalization's cost in throughput: one epoch of mini-batch training on W3's data (784-256-128-10,
float32, batches of 256) with every hidden layer normalized, against the same epoch without it.

``measure()`` returns a dict (the lead's bench report wires it): examples per second of each run, the
ratio with/without on the reference NumPy path (the like-for-like comparison of the normalization's own
cost), and the ratio against the run without batch normalization on its default path (the compiled
mini-batch kernel when Numba is there), which is what a user switching ``batch_norm`` on sees.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .. import fast
from ..core.network import Network
from ..training.trainer import TrainConfig, Trainer
from .large import W3_SIZES, w3_data

#: The throughput with batch normalization, as a share of the run without it, that the issue asks for.
GOAL = 0.7


def _epoch_seconds(X, Y, batch, batch_norm, repeats):
    """The best of ``repeats`` timings of one epoch (after one warm-up epoch, which compiles any kernel)."""
    best = math.inf
    for r in range(repeats + 1):
        net = Network(W3_SIZES, "relu", "softmax", np.float32, batch_norm=batch_norm)
        config = TrainConfig(learning_rate=0.01, iterations=math.ceil(X.shape[1] / batch), batch_size=batch)
        trainer = Trainer(net, config, rng=0)
        net.initialize("he", trainer.streams.init)
        start = time.perf_counter()
        trainer.fit(X, Y)
        if r:
            best = min(best, time.perf_counter() - start)
    return best


def measure(m=16384, batch=256, repeats=2):
    """Examples per second of an epoch with and without batch normalization, and their ratios."""
    X, y = w3_data(m)
    X, Y = X.T, y.reshape(1, -1)
    with fast.disabled():
        plain_reference = _epoch_seconds(X, Y, batch, False, repeats)
        normalized = _epoch_seconds(X, Y, batch, True, repeats)
    plain_default = _epoch_seconds(X, Y, batch, False, repeats)
    rate = {
        k: m / s
        for k, s in (("batch_norm", normalized), ("plain_reference", plain_reference), ("plain_default", plain_default))
    }
    ratio = rate["batch_norm"] / rate["plain_reference"]
    return {
        "workload": f"W3 {W3_SIZES} float32, {m} examples, batches of {batch}, one epoch",
        "examples_per_second": rate,
        "ratio_reference": ratio,
        "ratio_default": rate["batch_norm"] / rate["plain_default"],
        "goal": GOAL,
        "meets_goal": ratio >= GOAL,
    }

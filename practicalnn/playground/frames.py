"""What the page draws, computed in the server: the page never does the math.

A frame is one binary websocket message: ``b"PNF1"``, a little-endian uint32 n, n bytes of JSON (the
numbers and the new curve points), then ``GRID * GRID`` uint8 values: the network's output probability
(times 255, rounded) on a grid over the data, row 0 at the top (largest x2), column 0 at the left.
"""

from __future__ import annotations

import json
import math
import struct

import numpy as np

from ..diagnostics.bias_variance import diagnose

GRID = 100
MAGIC = b"PNF1"


def grid_points(bounds, n=GRID):
    """The (2, n*n) grid of the heat map: rows from the top (x2 largest), columns from the left."""
    x_min, x_max, y_min, y_max = bounds
    xs = np.linspace(x_min, x_max, n)
    ys = np.linspace(y_max, y_min, n)
    gx, gy = np.meshgrid(xs, ys)
    return np.vstack([gx.ravel(), gy.ravel()]).astype(np.float32)


def heat_map(network, points):
    """The output probability at each grid point as uint8 (0: class 0 for sure, 255: class 1), from a
    float32 copy of the network (several times faster on 10,000 points; 8 bits need no more)."""
    with np.errstate(all="ignore"):
        net = network.copy(np.float32)
        proba = net.forward(points.astype(np.float32, copy=False)).A[net.n_layers][0]
    proba = np.nan_to_num(proba, nan=0.5)
    return np.rint(np.clip(proba, 0, 1) * 255).astype(np.uint8)


def _stats(values):
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None, None
    with np.errstate(all="ignore"):
        return round(float(values.mean()), 6), round(float(values.std()), 6)


def layer_stats(live):
    """Per layer l = 1..L: ||W[l]||_F, the mean and spread of A[l] and of dW[l] (train set, no dropout)."""
    net, d = live.network, live.data
    with np.errstate(all="ignore"):
        cache = net.forward(d.train_X)
        grad = net.backward(cache, d.train_Y, live.trainer.penalty)
    dW, _ = net.layout.views(grad)
    out = []
    for layer in range(1, net.n_layers + 1):
        act_mean, act_std = _stats(cache.A[layer])
        grad_mean, grad_std = _stats(dW[layer])
        with np.errstate(all="ignore"):
            norm = float(np.linalg.norm(net.W[layer]))
        out.append(
            {
                "layer": layer,
                "w_norm": round(norm, 6) if np.isfinite(norm) else None,
                "activation_mean": act_mean,
                "activation_std": act_std,
                "gradient_mean": grad_mean,
                "gradient_std": grad_std,
            }
        )
    return out


def diagnosis(point):
    """The bias/variance verdict of the current errors and the basic recipe's next step."""
    if point["train_accuracy"] is None or point["dev_accuracy"] is None:
        return None
    d = diagnose(1 - point["train_accuracy"], 1 - point["dev_accuracy"])
    return {"verdict": d.verdict, "summary": d.summary(), "next_step": d.next_steps[0], "next_steps": d.next_steps}


def snapshot(live, state, message, version):
    """The frame's JSON header (without the curve points) and the heat map, for the run as it is now."""
    net = live.network
    point = live.numbers()
    header = {
        "type": "frame",
        "iteration": live.iteration,
        "state": state,
        "message": message,
        "version": version,
        **point,
        "layers": layer_stats(live),
        "weights": [np.round(net.W[l], 4).tolist() for l in range(1, net.n_layers + 1)],
        "layer_sizes": list(net.layer_sizes),
        "diagnosis": diagnosis(point),
    }
    return header, heat_map(net, live.grid).tobytes()


def _finite(value):
    """``value`` with every NaN or infinity (a diverging run's numbers) as None, for strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def encode(header, grid):
    """One binary frame message (see the module's docstring)."""
    try:
        body = json.dumps(header, separators=(",", ":"), allow_nan=False).encode()
    except ValueError:
        body = json.dumps(_finite(header), separators=(",", ":"), allow_nan=False).encode()
    return MAGIC + struct.pack("<I", len(body)) + body + grid


def decode(message):
    """(header, grid as a (GRID, GRID) uint8 array) from a frame message: for tests and the benchmark."""
    if message[:4] != MAGIC:
        raise ValueError("not a playground frame")
    (n,) = struct.unpack("<I", message[4:8])
    header = json.loads(message[8 : 8 + n])
    grid = np.frombuffer(message[8 + n :], np.uint8).reshape(GRID, GRID)
    return header, grid

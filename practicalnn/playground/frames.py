"""What the page draws, computed in the server: the page never does the math.

A frame is one binary websocket message: ``b"PNF1"``, a little-endian uint32 n, n bytes of JSON (the
numbers and the new curve points), then the heat map: planes of ``GRID * GRID`` uint8 values on a grid
over the two drawn features (the others at their training mean), row 0 at the top (largest x2), column
0 at the left. ``header["heat_map"]`` says which planes follow:

* ``"probability"`` (a sigmoid output): one plane, the probability of class 1 times 255, rounded;
* ``"class"`` (softmax): two planes, the predicted class, then how sure: ``(p_max - 1/C) / (1 - 1/C)``
  times 255 (0 where all C classes are equally likely, 255 where one has probability 1).
"""

from __future__ import annotations

import json
import math
import struct

import numpy as np

from ..diagnostics.bias_variance import diagnose

GRID = 100
MAGIC = b"PNF1"
#: Weights are sent (and drawn as edges) for networks of at most this many; a larger network is drawn
#: as its layers (measured: see docs/playground.md, "How large a network").
MAX_DRAWN_WEIGHTS = 5000


def grid_points(data, n=GRID):
    """The (n_features, n*n) points of the heat map: the two drawn features on a grid over the data
    (rows from the top, x2 largest; columns from the left), every other feature at its training mean."""
    x_min, x_max, y_min, y_max = data.bounds
    gx, gy = np.meshgrid(np.linspace(x_min, x_max, n), np.linspace(y_max, y_min, n))
    points = np.repeat(data.means[:, None], n * n, axis=1)
    points[list(data.plot)] = np.vstack([gx.ravel(), gy.ravel()])
    return points.astype(np.float32)


def _byte(x):
    return np.rint(np.clip(np.nan_to_num(x, nan=0.0), 0, 1) * 255).astype(np.uint8)


def heat_map(network, points):
    """The heat map's planes (see the module's docstring) as bytes, computed on a float32 copy of the
    network (several times faster on 10,000 points; 8 bits need no more)."""
    with np.errstate(all="ignore"):
        net = network.copy(np.float32)
        A = net.forward(points.astype(np.float32, copy=False)).A[net.n_layers]
    if net.output.name == "sigmoid":
        return _byte(np.nan_to_num(A[0], nan=0.5)).tobytes()
    C = A.shape[0]
    sure = (A.max(axis=0) - 1 / C) / (1 - 1 / C)
    return np.argmax(np.nan_to_num(A, nan=0.0), axis=0).astype(np.uint8).tobytes() + _byte(sure).tobytes()


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
        grad = net.backward(cache, live.targets["train"], live.trainer.penalty)
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


def diagnosis(point, bayes_error=None):
    """The bias/variance verdict of the current errors (against ``bayes_error``, 0 when None, as the
    notes assume) and the basic recipe's next step."""
    if point["train_accuracy"] is None or point["dev_accuracy"] is None:
        return None
    d = diagnose(1 - point["train_accuracy"], 1 - point["dev_accuracy"], bayes_error or 0.0)
    return {"verdict": d.verdict, "summary": d.summary(), "next_step": d.next_steps[0], "next_steps": d.next_steps}


def snapshot(live, state, message, version):
    """The frame's JSON header (without the curve points) and the heat map, for the run as it is now."""
    net = live.network
    point = live.numbers()
    drawn = net.layout.size - sum(net.layer_sizes[1:]) <= MAX_DRAWN_WEIGHTS
    header = {
        "type": "frame",
        "iteration": live.iteration,
        "state": state,
        "message": message,
        "version": version,
        **point,
        "layers": layer_stats(live),
        "weights": [np.round(net.W[l], 4).tolist() for l in range(1, net.n_layers + 1)] if drawn else None,
        "layer_sizes": list(net.layer_sizes),
        "keep": list(live.trainer.keep),
        "dropped": live.dropped(),
        "heat_map": "probability" if net.output.name == "sigmoid" else "class",
        "diagnosis": diagnosis(point, live.settings["bayes_error"]),
    }
    return header, heat_map(net, live.grid)


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
    """(header, heat map) from a frame message, for tests and the benchmark: the heat map a (GRID, GRID)
    uint8 array of probabilities, or (2, GRID, GRID) of classes and sureness (see the module's docstring)."""
    if message[:4] != MAGIC:
        raise ValueError("not a playground frame")
    (n,) = struct.unpack("<I", message[4:8])
    header = json.loads(message[8 : 8 + n])
    planes = np.frombuffer(message[8 + n :], np.uint8).reshape(-1, GRID, GRID)
    return header, planes[0] if header["heat_map"] == "probability" else planes

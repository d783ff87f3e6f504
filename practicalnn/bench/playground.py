"""W4, the playground: a real server on 127.0.0.1 and a websocket client, while the notebook's model trains.

* frames per second the client receives (100 x 100 heat map and numbers; goal >= 30);
* training speed with the server streaming against ``Trainer.fit`` alone (goal >= 0.5x);
* latency from a control change to the first frame trained with it (goal < 100 ms).

The library never prints: ``run_w4`` returns a dict of numbers.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time

from ..core.network import Network
from ..data.datasets import load_moons
from ..playground.frames import decode
from ..playground.serve import Playground
from ..training.trainer import TrainConfig, Trainer

GOALS = {"frames_per_second": (">=", 30.0), "speed_ratio": (">=", 0.5), "latency_ms": ("<", 100.0)}


def _fit_alone(iterations):
    data = load_moons()
    net = Network([2, 20, 3, 1])
    trainer = Trainer(net, TrainConfig(iterations=iterations), rng="notebook")
    net.initialize("notebook", trainer.streams.init)
    start = time.perf_counter()
    trainer.fit(data.train_X, data.train_Y)
    return iterations / (time.perf_counter() - start)


async def _frame(ws, until, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = await asyncio.wait_for(ws.recv(), timeout)
        if isinstance(message, bytes):
            header, _ = decode(message)
            if until(header):
                return header
    raise TimeoutError("no such frame")


async def _streaming(url, iterations):
    import websockets

    async with websockets.connect(url, max_size=None) as ws:
        await ws.send(json.dumps({"type": "start", "settings": {"stop_iterations": iterations}}))
        await _frame(ws, lambda h: True)
        await ws.send(json.dumps({"type": "control", "action": "play"}))
        start, frames = time.perf_counter(), 0

        def count(header):
            nonlocal frames
            frames += 1
            return header["state"] == "stopped"

        last = await _frame(ws, count, timeout=600)
        elapsed = time.perf_counter() - start
    return {"frames": frames, "seconds": elapsed, "iterations": last["iteration"]}


async def _latency(url, changes):
    import websockets

    async with websockets.connect(url, max_size=None) as ws:
        await ws.send(json.dumps({"type": "start", "settings": {"stop_iterations": 10_000_000}}))
        await _frame(ws, lambda h: True)
        await ws.send(json.dumps({"type": "control", "action": "play"}))
        await _frame(ws, lambda h: h["iteration"] >= 2000)
        waits = []
        for i in range(changes):
            start = time.perf_counter()
            await ws.send(json.dumps({"type": "settings", "settings": {"l2": 0.1 * (i % 2 + 1)}}))
            await _frame(ws, lambda h, v=i + 1: h["version"] >= v and h["state"] == "playing")
            waits.append(time.perf_counter() - start)
        await ws.send(json.dumps({"type": "control", "action": "pause"}))
    return waits


def run_w4(iterations=150_000, changes=10, repeats=3):
    """W4's numbers: ``frames_per_second``, ``speed_ratio`` (streaming / fit alone, iterations per
    second, the median of ``repeats`` fits), ``latency_ms`` (median of ``changes``) with the raw figures.
    The notebook's model (moons, [2, 20, 3, 1], learning rate 0.3), trained ``iterations`` steps."""
    _fit_alone(200)  # load the compiled kernels before timing anything
    alone = statistics.median(_fit_alone(iterations) for _ in range(repeats))
    playground = Playground("127.0.0.1", 0).start()
    try:
        url = playground.url.replace("http://", "ws://") + "ws"
        streamed = asyncio.run(_streaming(url, iterations))
        waits = asyncio.run(_latency(url, changes))
    finally:
        playground.stop()
    streaming_rate = streamed["iterations"] / streamed["seconds"]
    return {
        "frames_per_second": streamed["frames"] / streamed["seconds"],
        "speed_ratio": streaming_rate / alone,
        "latency_ms": 1000 * statistics.median(waits),
        "latency_max_ms": 1000 * max(waits),
        "iterations_per_second_streaming": streaming_rate,
        "iterations_per_second_fit_alone": alone,
        "frames": streamed["frames"],
        "seconds_streaming": streamed["seconds"],
        "goals": {k: f"{op} {v:g}" for k, (op, v) in GOALS.items()},
    }

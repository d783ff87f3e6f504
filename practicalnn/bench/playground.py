"""W4, the playground: a real server on 127.0.0.1 and the page in headless Chromium (Debian's
/usr/bin/chromium through Playwright), while the notebook's model trains.

* frames per second the page receives (100 x 100 heat map and numbers; goal >= 30);
* training speed with the page open against ``Trainer.fit`` alone (goal >= 0.5x);
* latency from a control changed on the page to the first frame trained with it (goal < 100 ms),
  timed in the page.

Where Playwright or Chromium is missing, a websocket client in this process stands in for the page
(``client`` says which measured). The library never prints: ``run_w4`` returns a dict of numbers.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time

from ..core.network import Network
from ..data.datasets import load_moons
from ..playground.frames import decode
from ..playground.serve import Playground
from ..training.trainer import TrainConfig, Trainer

CHROMIUM = "/usr/bin/chromium"
_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]  # fmt: skip
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


def _browser_available():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return os.path.exists(CHROMIUM)


_PLAY = """async () => {
  const t0 = performance.now(), n0 = playground.view.frames;
  document.getElementById('play').click();
  const last = await playground.whenFrame((h) => h.state === 'stopped');
  return { seconds: (performance.now() - t0) / 1000, frames: playground.view.frames - n0, iterations: last.iteration };
}"""
_CHANGE = """async (value) => {
  const before = playground.version(), el = document.getElementById('l2'), t0 = performance.now();
  el.value = String(value);
  el.dispatchEvent(new Event('change'));
  await playground.whenFrame((h) => h.version > before && h.state === 'playing');
  return performance.now() - t0;
}"""


_RESET = "() => playground.view.frame?.iteration === 0 && playground.view.frame.state === 'paused'"


def _in_browser(url, iterations, changes, repeats):
    """``repeats`` pairs (fit alone, then the same run streamed to the page) and the latencies,
    measured by the page itself in headless Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 950})
            page.goto(f"{url}#stop_iterations={iterations}")
            page.wait_for_function(_RESET)
            pairs = []
            for _ in range(repeats):
                pairs.append((_fit_alone(iterations), page.evaluate(_PLAY)))
                page.click("#reset")
                page.wait_for_function(_RESET)
            page.close()
            page = browser.new_page(viewport={"width": 1400, "height": 950})
            page.goto(f"{url}#stop_iterations=10000000")
            page.wait_for_function(_RESET)
            page.click("#play")
            page.wait_for_function("() => playground.view.frame.iteration >= 2000", timeout=60000)
            waits = [page.evaluate(_CHANGE, 0.1 * (i % 2 + 1)) / 1000 for i in range(changes)]
            page.click("#pause")
        finally:
            browser.close()
    return pairs, waits


def _by_websocket(url, iterations, changes, repeats):
    """The same measures with a websocket client in this process instead of the page."""
    url = url.replace("http://", "ws://") + "ws"
    pairs = [(_fit_alone(iterations), asyncio.run(_streaming(url, iterations))) for _ in range(repeats)]
    return pairs, asyncio.run(_latency(url, changes))


def run_w4(iterations=150_000, changes=10, repeats=3, client="auto"):
    """W4's numbers: ``frames_per_second``, ``speed_ratio`` (streaming / fit alone, iterations per
    second) and ``latency_ms`` (median of ``changes``), with the raw figures. The notebook's model
    (moons, [2, 20, 3, 1], learning rate 0.3), trained ``iterations`` steps alone and then streamed,
    ``repeats`` times in turn; each ratio is of a pair run side by side (other work on the machine
    then slows both alike), and the medians are reported. ``client``: "chromium" (the page in headless
    Chromium), "websocket" (a client in this process), or "auto" (Chromium where it is installed)."""
    if client == "auto":
        client = "chromium" if _browser_available() else "websocket"
    _fit_alone(200)  # load the compiled kernels before timing anything
    playground = Playground("127.0.0.1", 0).start()
    try:
        measure = _in_browser if client == "chromium" else _by_websocket
        pairs, waits = measure(playground.url, iterations, changes, repeats)
    finally:
        playground.stop()
    rates = [s["iterations"] / s["seconds"] for _, s in pairs]
    median = statistics.median
    return {
        "client": client,
        "frames_per_second": median(s["frames"] / s["seconds"] for _, s in pairs),
        "speed_ratio": median(rate / alone for rate, (alone, _) in zip(rates, pairs)),
        "latency_ms": 1000 * median(waits),
        "latency_max_ms": 1000 * max(waits),
        "iterations_per_second_streaming": median(rates),
        "iterations_per_second_fit_alone": median(alone for alone, _ in pairs),
        "pairs": [{"fit_alone": alone, **s} for alone, s in pairs],
        "goals": {k: f"{op} {v:g}" for k, (op, v) in GOALS.items()},
    }

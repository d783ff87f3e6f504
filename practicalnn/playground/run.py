"""One tab's run in its own worker thread: training never waits for the browser.

The worker trains chunks of about ``CHUNK_SECONDS`` and, after each, publishes the newest frame (at
most one every ``FRAME_SECONDS``) and tells the server (``on_frame``); the websocket sends whatever
frame is newest when it is ready to send, with every curve point since its last one. Controls are
checked at once (``update`` raises the engine's ConfigError or DataError) and take effect at the
next chunk. Work that needs the network (checks, the model file) runs in the worker between two
chunks (``call``), so nothing else ever touches the run's network.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future

from ..errors import DataError, PracticalNNError
from .engine import CURVE_EVERY, LiveRun
from .frames import encode, snapshot
from .settings import check_with_data, validate

#: A chunk's training time: with its frame, about 45 frames a second. Shorter chunks give more frames
#: and cost the training more (a frame costs the server about 1.5 ms and headless Chromium about 8 ms
#: of CPU, which the training shares on a 2-core machine); longer ones leave less margin on the frame
#: rate when other work slows the machine (0.025 s fell to 27 frames a second at a load average of 5).
CHUNK_SECONDS = 0.02
#: The shortest time between two frames (a chunk cut short by MAX_CHUNK still waits this long).
FRAME_SECONDS = 1 / 75
MAX_CHUNK = 50_000
#: A chunk is at most this fraction of the iterations so far (``young_chunk``): the curves' resolution.
CURVE_POINTS = 20


def chunk_size(per_iteration):
    """Iterations in CHUNK_SECONDS at ``per_iteration`` seconds each: a multiple of CURVE_EVERY when
    that many fit (the chunk ends where the trainer records J), else fewer, down to one, so that a
    large network's page still follows its controls within a step."""
    wanted = int(CHUNK_SECONDS / max(per_iteration, 1e-9))
    if wanted >= CURVE_EVERY:
        return min(MAX_CHUNK, wanted // CURVE_EVERY * CURVE_EVERY)
    return max(1, wanted)


def young_chunk(iteration):
    """The most iterations in a chunk at ``iteration``: about 1/CURVE_POINTS of the run so far (a
    multiple of CURVE_EVERY), so that the curves have points where J falls fast, early on."""
    return max(CURVE_EVERY, iteration // CURVE_POINTS // CURVE_EVERY * CURVE_EVERY)


class Run:
    def __init__(self, settings=None, upload=None):
        self.settings = validate(settings or {})  # the newest accepted settings
        self.upload = upload
        self.live = LiveRun(self.settings, upload)
        self.state, self.message = "paused", ""
        self.version = 0  # the frames are trained with the first ``version`` accepted changes
        self.accepted = 0  # changes of settings accepted (``update``)
        self.run_id = 0  # a new network (reset, or a change of layers, activation, init or seed)
        self._cond = threading.Condition()
        self._pending = None
        self._commands, self._jobs, self._points, self._events, self._recorded = [], [], [], [], []
        self._frame, self.seq = None, 0
        self._data_shown, self._data = None, None  # the points go to the page once per new data
        self._closed = False
        self._chunk = 1  # grows from one iteration, measured (chunk_size)
        self._quick = False
        self._published = 0.0
        self.on_frame = None  # called (from the worker) after each new frame: the server wakes its sender
        self._thread = threading.Thread(target=self._loop, name="practicalnn-playground-run", daemon=True)
        self._thread.start()

    # -- called from the server ------------------------------------------------------------------
    def update(self, changes, upload=None):
        """Check ``changes`` (a dict of settings) against the newest settings; the run takes them at
        its next step. Returns the complete settings; raises ConfigError or DataError, taking nothing."""
        new = validate(changes, base=self.settings)
        if new["dataset"] == "csv" and upload is None and self.upload is None:
            raise DataError("dataset='csv': expected a CSV file uploaded first (Upload CSV)")
        check_with_data(new, upload or self.upload)
        with self._cond:
            self.settings = new
            if upload is not None:
                self.upload = upload
            previous_upload = self._pending[1] if self._pending else None
            self.accepted += 1
            self._pending = (new, upload or previous_upload, self.accepted)
            self._cond.notify()
        return new

    def command(self, action):
        if action not in ("play", "pause", "step", "reset"):
            raise PracticalNNError(f"action={action!r}: expected play, pause, step or reset")
        with self._cond:
            self._commands.append(action)
            self._cond.notify()

    def call(self, fn):
        """Run ``fn(live)`` in the worker between two chunks; a Future of its result."""
        future = Future()
        with self._cond:
            if self._closed:
                future.set_exception(PracticalNNError("the run is closed"))
            else:
                self._jobs.append((fn, future))
                self._cond.notify()
        return future

    def take_frame(self, last_seq):
        """``(seq, message)`` of the newest frame if newer than ``last_seq``, else None; the message
        carries every curve point and change marker since the previous take."""
        with self._cond:
            if self._frame is None or self.seq == last_seq:
                return None
            header, grid = self._frame
            header = {**header, "points": self._points, "events": self._events, "recorded": self._recorded}
            if self._data is not None:
                header["data"] = self._data
            self._points, self._events, self._recorded, self._data = [], [], [], None
            seq = self.seq
        return seq, encode(header, grid)

    def close(self, timeout=10.0):
        """Stop the run (mid-chunk at most one chunk later) and free it."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join(timeout)

    @property
    def alive(self):
        return self._thread.is_alive()

    # -- the worker ------------------------------------------------------------------------------
    def _has_work(self):
        return self._closed or self._pending or self._commands or self._jobs or self.state in ("playing", "step")

    def _loop(self):
        try:
            self._publish(force=True)
            while True:
                with self._cond:
                    while not self._has_work():
                        self._cond.wait()
                    if self._closed:
                        return
                    pending, self._pending = self._pending, None
                    commands, self._commands = self._commands, []
                    jobs, self._jobs = self._jobs, []
                if pending:  # first: a check asked after a change sees the change
                    self._apply(pending)
                self._run_jobs(jobs)
                for action in commands:
                    self._do(action)
                trained = self._train() if self.state in ("playing", "step") else False
                self._publish(force=bool(pending or commands or jobs) or not trained or self.state != "playing")
        finally:
            with self._cond:
                for _, future in self._jobs:
                    future.cancel()
                self._jobs, self._points, self._frame = [], [], None
            self.live = None  # the network and data go with the run

    def _run_jobs(self, jobs):
        for fn, future in jobs:
            try:
                future.set_result(fn(self.live))
            except Exception as err:  # the caller reports it
                future.set_exception(err)

    def _apply(self, pending):
        settings, upload, accepted = pending
        try:
            groups = self.live.apply(settings, upload)
        except PracticalNNError as err:  # data that cannot be made: keep the previous run
            self.message = str(err)
            return
        self.version = accepted
        self._quick = True  # a short chunk first: the page sees the change soon
        if "network" in groups:
            self._new_network()

    def _new_network(self):
        self.run_id += 1
        if self.state != "playing":
            self.state = "paused"
        self.message = ""
        with self._cond:
            self._points, self._events, self._recorded = [], [], []

    def _do(self, action):
        if action == "reset":
            self.live.build_network()
            self.live.events.clear()
            self._new_network()
            self.state = "paused"
        elif action == "play":
            self.state, self.message = "playing", ""
        elif action == "pause":
            self.state = "paused"
        elif action == "step":
            self.state, self.message = "step", ""

    def _train(self):
        adaptive = self.state != "step" and not self._quick
        if self.state == "step":
            n = CURVE_EVERY  # the Step button: 100 iterations
        else:  # a quick chunk after a change: short, so that the page sees the change soon
            n = self._chunk if adaptive else min(CURVE_EVERY, self._chunk)
            n = min(n, young_chunk(self.live.iteration))
        self._quick = False
        start = time.perf_counter()
        before = self.live.iteration
        try:
            why = self.live.train(n)
        except Exception as err:  # a bug or a fault: the page shows it, the server keeps running
            why = f"error: {type(err).__name__}: {err}"
        elapsed = time.perf_counter() - start
        done = self.live.iteration - before
        if adaptive and done == n == self._chunk and why is None:  # a chunk of the measured size
            self._chunk = chunk_size(elapsed / done)
        if self.state == "step":
            self.state = "paused"
        if why is not None:
            self.state = why.split(":")[0] if why.startswith(("diverged", "error")) else "stopped"
            self.message = why
        return True

    def _publish(self, force=False):
        now = time.perf_counter()
        if not force and now - self._published < FRAME_SECONDS:
            return
        points, events, recorded = self.live.take_points()
        header, grid = snapshot(self.live, self.state, self.message, self.version)
        header["run_id"] = self.run_id
        data = self.live.data
        shown = None if data is self._data_shown else data.view()
        self._data_shown = data
        with self._cond:
            if shown is not None:
                self._data = shown
            self._frame = (header, grid)
            self._points.extend(points)
            self._events.extend(events)
            self._recorded.extend(recorded)
            self.seq += 1
        self._published = now
        notify = self.on_frame
        if notify is not None:
            notify()

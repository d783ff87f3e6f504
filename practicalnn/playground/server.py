"""The playground's web server (Starlette): the page, one websocket per tab, uploads and downloads.

Protocol of ``/ws`` (JSON text messages unless said otherwise):

* the page opens with ``{"type": "start", "settings": {...}}`` (from its URL); the server answers
  ``hello`` (session id, settings, defaults, presets), then streams binary frames (``frames.py``);
* the page sends ``settings`` (changed values), ``control`` (play, pause, step, reset), ``preset``,
  ``gradcheck``, ``monotonic`` and ``export``; the server answers ``settings`` (accepted), ``refused``
  (the engine's message), ``check`` and ``export``.

Closing the websocket stops the tab's run and frees it.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..errors import PracticalNNError
from . import export
from .run import Run
from .settings import DEFAULTS, PRESETS
from .table import MAX_UPLOAD, read_table

STATIC = Path(__file__).with_name("static")
HEARTBEAT_SECONDS = 1.0
JOBS = {"gradcheck": export.gradcheck_job, "monotonic": export.monotonic_job, "export": export.export_job}


def _refusal(err):
    return {"type": "refused", "message": str(err)}


class Outbox(asyncio.Queue):
    """The replies waiting for the sender; putting one wakes it."""

    def __init__(self, wake):
        super().__init__()
        self.wake = wake

    def put_nowait(self, item):
        super().put_nowait(item)
        self.wake.set()


def _waker(wake):
    """A callable the run's worker thread calls when it has published a frame: it wakes the sender
    on the event loop (nothing polls: an idle tab costs nothing, a busy one no GIL between frames)."""
    loop = asyncio.get_running_loop()

    def poke():
        try:
            loop.call_soon_threadsafe(wake.set)
        except RuntimeError:  # the loop has closed: nobody is listening any more
            pass

    return poke


async def _send_loop(ws, run, outbox, wake):
    """The only sender: queued replies first, then the newest frame (the run publishes at most
    every FRAME_SECONDS); a heartbeat after a second of silence, so the page knows it is connected.
    It ends quietly when the page has gone (the receiving side then closes the run)."""
    try:
        await _send_all(ws, run, outbox, wake)
    except (WebSocketDisconnect, ConnectionError, RuntimeError):  # closed while sending
        pass


async def _send_all(ws, run, outbox, wake):
    seq = 0
    while True:
        try:
            await asyncio.wait_for(wake.wait(), HEARTBEAT_SECONDS)
        except asyncio.TimeoutError:
            await ws.send_text('{"type":"alive"}')
            continue
        wake.clear()
        while not outbox.empty():
            await ws.send_text(json.dumps(outbox.get_nowait()))
        frame = run.take_frame(seq)
        if frame is not None:
            seq, message = frame
            await ws.send_bytes(message)


async def _job(run, fn, outbox):
    try:
        outbox.put_nowait(await asyncio.wrap_future(run.call(fn)))
    except PracticalNNError as err:
        outbox.put_nowait(_refusal(err))


def _handle(run, message, outbox, tasks):
    kind = message.get("type")
    try:
        if kind == "settings":
            settings = run.update(message.get("settings") or {})
            outbox.put_nowait({"type": "settings", "settings": settings, "version": run.accepted})
        elif kind == "control":
            run.command(message.get("action"))
        elif kind == "preset":
            name = message.get("name")
            if name not in PRESETS:
                raise PracticalNNError(f"preset={name!r}: expected one of {', '.join(PRESETS)}")
            settings = run.update(PRESETS[name])
            outbox.put_nowait({"type": "settings", "settings": settings, "version": run.accepted})
            run.command("reset")
        elif kind in JOBS:
            task = asyncio.ensure_future(_job(run, JOBS[kind], outbox))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        else:
            raise PracticalNNError(f"message type={kind!r}: expected settings, control, preset, or a check")
    except PracticalNNError as err:
        outbox.put_nowait({**_refusal(err), "settings": run.settings})


def _start(message):
    """The run a tab opens with: its URL's settings, or the defaults (and why) when they are refused."""
    try:
        return Run(message.get("settings") or {}), None
    except PracticalNNError as err:
        return Run(), _refusal(err)


async def _websocket(ws: WebSocket):
    await ws.accept()
    try:
        first = json.loads(await ws.receive_text())
    except (WebSocketDisconnect, json.JSONDecodeError, KeyError):
        return
    runs = ws.app.state.runs
    run, refusal = _start(first if isinstance(first, dict) else {})
    session = secrets.token_urlsafe(12)
    runs[session] = run
    wake = asyncio.Event()
    outbox = Outbox(wake)
    run.on_frame = _waker(wake)
    outbox.put_nowait(
        {"type": "hello", "session": session, "settings": run.settings, "defaults": DEFAULTS, "presets": PRESETS}
    )
    if refusal:
        outbox.put_nowait(refusal)
    tasks: set = set()
    sender = asyncio.ensure_future(_send_loop(ws, run, outbox, wake))
    try:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                break
            try:
                parsed = json.loads(message.get("text") or "")
            except json.JSONDecodeError:
                parsed = {"type": None}
            _handle(run, parsed if isinstance(parsed, dict) else {"type": None}, outbox, tasks)
    except WebSocketDisconnect:
        pass
    finally:
        sender.cancel()
        for task in list(tasks):
            task.cancel()
        runs.pop(session, None)
        run.on_frame = None
        run.close(timeout=0)  # the worker ends after its current chunk; the loop does not wait for it


def _run_of(request):
    run = request.app.state.runs.get(request.query_params.get("session", ""))
    if run is None:
        raise PracticalNNError("session: expected the id of an open playground tab (reload the page)")
    return run


async def _read_body(request, limit):
    size = int(request.headers.get("content-length") or 0)
    if size > limit:
        raise PracticalNNError(f"upload: the file is {size / 2**20:.1f} MB: expected at most {limit / 2**20:g} MB")
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise PracticalNNError(f"upload: the file is over {limit / 2**20:g} MB: expected at most that")
        chunks.append(chunk)
    return b"".join(chunks)


async def _upload(request):
    """POST a CSV (the request body), ``?session=...&name=...``: the tab's data, its last column the
    label until the page chooses others (``csv_columns``); a label of more than two classes switches
    the output to softmax."""
    try:
        run = _run_of(request)
        raw = await _read_body(request, request.app.state.max_upload)
        table = read_table(request.query_params.get("name", "upload.csv"), raw, request.app.state.max_upload)
        changes = {"dataset": "csv", "csv_columns": None, "added": []}
        if table.n_classes() > 2:
            changes["output"] = "softmax"
        settings = run.update(changes, upload=table)
    except PracticalNNError as err:
        return JSONResponse({"ok": False, "error": str(err)}, status_code=400)
    reply = {"ok": True, "columns": table.columns, "chosen": list(table.choose()), "settings": settings}
    return JSONResponse({**reply, "classes": [f"{c:g}" for c in table.classes()], "version": run.accepted})


async def _download(request, job, filename, media_type):
    try:
        body = await asyncio.wrap_future(_run_of(request).call(job))
    except PracticalNNError as err:
        return JSONResponse({"ok": False, "error": str(err)}, status_code=400)
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(body, media_type=media_type, headers=headers)


async def _model(request):
    return await _download(request, export.model_job, "playground-model.safetensors", "application/octet-stream")


async def _data(request):
    return await _download(request, export.data_job, "playground-data.csv", "text/csv")


async def _index(request):
    return FileResponse(STATIC / "index.html", media_type="text/html")


def create_app(max_upload=MAX_UPLOAD):
    """The playground as an ASGI app; ``max_upload`` is the largest CSV accepted, in bytes."""
    app = Starlette(
        routes=[
            Route("/", _index),
            Route("/api/upload", _upload, methods=["POST"]),
            Route("/api/model", _model),
            Route("/api/data.csv", _data),
            WebSocketRoute("/ws", _websocket),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ]
    )
    app.state.runs = {}
    app.state.max_upload = int(max_upload)
    return app

"""Running the playground's server: in the foreground (the command) or in a background thread
(a notebook's ``show()``, the benchmark, the browser tests)."""

from __future__ import annotations

import socket
import threading
import time

from ..errors import ConfigError

#: The server ``show()`` started, reused by later calls.
_shown = None


def _bind(host, port):
    # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on connections of such a socket; with
    # Nagle on, a frame sent just after the page's message waited for its delayed ACK (40 ms on Linux)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        raise ConfigError(
            f"host={host!r}, port={port!r}: expected an address free to listen on ({err.strerror})"
        ) from None
    sock.listen(128)  # connections wait in the backlog until the server's loop takes them
    return sock


def _server(sock, max_upload):
    import uvicorn

    from .server import create_app

    config = uvicorn.Config(create_app(max_upload), log_level="warning", ws="websockets-sansio", lifespan="off")
    return uvicorn.Server(config)


class Playground:
    """A playground server on ``host``:``port`` (0: a free port), started with ``start()`` in a
    background thread or ``run()`` in this one; ``url`` is where to point a browser."""

    def __init__(self, host="127.0.0.1", port=8765, max_upload=None):
        from .table import MAX_UPLOAD

        self.sock = _bind(host, port)
        self.host, self.port = host, self.sock.getsockname()[1]
        self.server = _server(self.sock, MAX_UPLOAD if max_upload is None else max_upload)
        self.thread = None

    @property
    def url(self):
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def run(self):
        self.server.run(sockets=[self.sock])

    def start(self, timeout=30.0):
        self.thread = threading.Thread(target=self.run, name="practicalnn-playground-server", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started and self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def stop(self, timeout=10.0):
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout)
        self.sock.close()


def serve(host="127.0.0.1", port=8765, max_upload=None, on_ready=None):
    """Serve in the foreground until Ctrl-C; ``on_ready(url)`` once listening."""
    playground = Playground(host, port, max_upload)
    if on_ready is not None:
        on_ready(playground.url)
    playground.run()


def show(width="100%", height=820, port=0):
    """Embed the playground in a Jupyter notebook: an IFrame to a server in a background thread
    (started on the first call, on 127.0.0.1)."""
    global _shown
    from IPython.display import IFrame

    if _shown is None or not _shown.thread.is_alive():
        _shown = Playground("127.0.0.1", port).start()
    return IFrame(_shown.url, width=width, height=height)

"""The playground: a local web page that trains a network live in the server and shows every claim
of the notes happen (``practicalnn playground``; ``show()`` in a notebook).

The server and its dependencies (Starlette, uvicorn, websockets, installed with practicalnn) are imported
on first use.
"""

from __future__ import annotations

from .serve import Playground, serve, show

__all__ = ["Playground", "serve", "show"]

"""practicalnn playground: the local web page that trains a network live and shows every claim of the notes."""

from __future__ import annotations

import sys

from ..errors import ConfigError


def register(sub):
    p = sub.add_parser(
        "playground",
        help="start the playground: a local web page that trains a network live",
        description="Start a local web server with the playground page and print its URL. The network "
        "trains in this process; the page shows it live. Ctrl-C stops the server.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8765, help="port to listen on; 0 picks a free one")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.add_argument("--max-upload-mb", type=float, default=50.0, metavar="MB", help="largest CSV upload accepted")
    p.set_defaults(run=run)


def run(args):
    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port={args.port}: expected a port from 0 to 65535 (0 picks a free one)")
    if not args.max_upload_mb > 0:
        raise ConfigError(f"--max-upload-mb={args.max_upload_mb}: expected a size > 0")
    try:
        from ..playground import serve
    except ImportError as err:
        raise ConfigError(
            f"the playground needs {err.name}, a dependency of practicalnn: expected it installed "
            "(pip install practicalnn installs it)"
        ) from None
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"practicalnn playground: warning: listening on {args.host}: anyone who can reach this address "
            "can use the playground (and the CPU time of this machine)",
            file=sys.stderr,
        )

    def ready(url):
        print(f"practicalnn playground: serving on {url} (Ctrl-C stops)", flush=True)
        if args.open:
            import webbrowser

            webbrowser.open(url)

    serve(args.host, args.port, max_upload=int(args.max_upload_mb * 2**20), on_ready=ready)
    return 0

"""The ``practicalnn`` command: parse, call the library, print.

Each subcommand lives in its own module with ``register(subparsers)``, which adds its parser and
sets ``run`` to a function ``run(args) -> int``. Errors of the library become one line on stderr
and a non-zero exit; never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from ..errors import PracticalNNError


def _commands():
    """Subcommand modules: every module of this package but ``common`` and private ones, sorted."""
    import pkgutil

    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_") and m.name != "common")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (and exit status 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser():
    parser = _Parser(
        prog="practicalnn",
        description="Train fully connected networks and see every practical technique of deep learning happen.",
    )
    from .._version import __version__

    parser.add_argument("--version", action="version", version=f"practicalnn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in _commands():
        importlib.import_module(f".{name}", __name__).register(sub)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except PracticalNNError as err:
        print(f"practicalnn {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"practicalnn {args.command}: interrupted", file=sys.stderr)
        return 130
    except OSError as err:
        print(
            f"practicalnn {args.command}: error: {err.strerror or err}: {err.filename or ''}".rstrip(": "),
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

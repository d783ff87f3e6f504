"""The ``practicalnn`` command: parse, call the library, print.

Each subcommand lives in its own module with ``register(subparsers)``, which adds its parser and
sets ``run`` to a function ``run(args) -> int``. Errors of the library become one line on stderr
and exit 2; never a traceback. Exit statuses: 0 done, 1 a negative finding (gradcheck's bug,
reproduce's differing figure), 2 bad input, 130 Ctrl-C, 141 stdout closed early.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings

from ..errors import Interrupted, PracticalNNError
from . import _types


def _commands():
    """Subcommand modules: every module of this package but ``common`` and private ones, sorted."""
    import pkgutil

    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_") and m.name != "common")


class _HelpFormatter(argparse.HelpFormatter):
    """Appends each option's real default, "(default: X)", taken from the parser (so per-command
    defaults set with ``set_defaults`` show); help texts never state a default themselves. Options
    without one (None, a flag that is off) show none."""

    def _get_help_string(self, action):
        text = action.help or ""
        default = action.default
        if default is None or default is False or default is argparse.SUPPRESS or "(default" in text:
            return text
        return f"{text} (default: %(default)s)" if action.option_strings else text


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (and exit status 2), shows the real defaults
    in the help, and refuses inf and nan for every number flag."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")

    def parse_known_args(self, args=None, namespace=None):
        namespace, extras = super().parse_known_args(args, namespace)
        bad = _types.non_finite(namespace)
        if bad is not None:  # one check for every float flag of every command, before anything runs
            dest, value = bad
            self.error(f"{dest}={value!r}: expected a finite number (--{dest.replace('_', '-')})")
        return namespace, extras


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


#: Exit status after stdout was closed early (``practicalnn signal | head -1``): 128 + SIGPIPE, what a
#: shell reports for any Unix tool stopped that way, so ``set -o pipefail`` scripts see the same.
BROKEN_PIPE = 141


def main(argv=None):
    """Run the command ``argv`` names; return its exit status. Bad input (a flag, a file, sizes that
    cannot fit) is one line on stderr and exit 2, naming the flag; Ctrl-C is exit 130; a closed
    stdout ends quietly with BROKEN_PIPE."""
    args = None
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        with warnings.catch_warnings(record=True) as caught:
            code = int(args.run(args) or 0)
        _print_warnings(args.command, caught)
        sys.stdout.flush()  # a closed pipe shows here, not at exit where it could not be caught
        return code
    except BrokenPipeError:
        _discard_stdout()
        return BROKEN_PIPE
    except Interrupted as stop:  # a command that trains several runs, stopped before any had finished
        print(f"practicalnn {_command(args)}: {_interrupted(stop.message)}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print(f"practicalnn {_command(args)}: interrupted", file=sys.stderr)
        return 130
    except (PracticalNNError, OSError, MemoryError, OverflowError) as err:
        print(f"practicalnn {_command(args)}: error: {_one_line(_message(err, args))}", file=sys.stderr)
        return 2


def _command(args):
    return getattr(args, "command", None) or "-"


def _interrupted(message):
    """ "interrupted", with what the library said was interrupted (one line) when it said more."""
    said = _one_line(message or "")
    return "interrupted" if said in ("", "interrupted") else f"interrupted: {said}"


def _message(err, args):
    if isinstance(err, PracticalNNError):
        return str(err)
    if isinstance(err, (MemoryError, OverflowError)):
        return (
            f"the sizes are too large for this machine (layers, examples or their product): {err or type(err).__name__}"
        )
    what = f"{err.strerror or err}: {err.filename}" if err.filename else str(err.strerror or err)
    flag = _flag_of_path(args, err.filename)
    return what if flag is None else f"{flag[0]}={flag[1]!r}: expected a path that can be used ({what})"


def _flag_of_path(args, filename):
    """(dest, value) of the flag whose path ``filename`` is, or lies under; None if no flag names it."""
    if args is None or not filename:
        return None
    target = os.path.abspath(os.fsdecode(filename))
    for dest, value in vars(args).items():
        if isinstance(value, (str, os.PathLike)) and dest != "command":
            path = os.path.abspath(os.fsdecode(value))
            if target == path or target.startswith(path.rstrip(os.sep) + os.sep):
                return dest, value
    return None


def _one_line(text):
    return "; ".join(line.strip() for line in str(text).splitlines() if line.strip())


def _print_warnings(command, caught):
    """Warnings recorded while a command ran, once each, one line each, after its result (a command that
    fails shows its error alone)."""
    seen = set()
    for w in caught:
        line = f"{w.category.__name__}: {_one_line(w.message)}"
        if line not in seen:
            seen.add(line)
            print(f"practicalnn {command}: warning: {line}", file=sys.stderr)


def _discard_stdout():
    """Point stdout at /dev/null, so that the interpreter's last flush does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # a stdout without a file descriptor (captured)
        pass
    finally:
        os.close(devnull)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

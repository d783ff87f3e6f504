"""Run the examples of README.md and docs/*.md as tests, with Sybil.

Two kinds of block are executed; every other fence (```text, ```bash, a bare ```) is left alone:

- ```python blocks that start with ``>>>`` are doctests: each output under a ``>>>`` line is
  compared with what the code prints, with ELLIPSIS (``...`` stands for any text) and Sybil's
  NUMBER flag (a float matches when it agrees to the digits written in the doc). ```python
  blocks without ``>>>`` are run and must not raise.
- ```console blocks hold ``$ practicalnn ARGS`` lines, each followed by the output it prints. The
  command runs in this process through ``practicalnn.cli.main(argv)`` with stdout captured; its
  stderr is compared only when the command fails (that is where its one-line error goes), so
  progress bars and "report written to" notes never are. A line holding only ``...`` stands for
  any number of lines, and ``...`` inside a line for any text on that line (the docs write the
  last digits of a figure that depends on the BLAS, or a line's BLAS-dependent end, that way);
  whitespace runs match any run of spaces, dashed rules of table headers
  match any length, and each number matches when it agrees to the digits written in the doc
  (half a unit of its last digit either way, plus one, for a rounding that went the other way).

Every document runs in a fresh temporary directory, so files an example writes (a model file, a
report) land there and not in the repository.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import tempfile
from doctest import ELLIPSIS

from sybil import Sybil
from sybil.evaluators.doctest import NUMBER
from sybil.parsers.markdown import ClearNamespaceParser, CodeBlockParser, PythonCodeBlockParser, SkipParser

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
_DASHES = re.compile(r"-{3,}")


def _line_pattern(line):
    """A regex for one expected line: its numbers become groups, whitespace runs and dashed rules
    stretch, everything else is literal."""
    parts, numbers, pos = [], [], 0
    for m in _NUMBER.finditer(line):
        parts.append(_literal(line[pos : m.start()]))
        parts.append(r"([-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|inf)")
        numbers.append(m.group())
        pos = m.end()
    parts.append(_literal(line[pos:]))
    return "[ \t]*" + "".join(parts) + "[ \t]*", numbers


def _literal(text):
    out, pos = [], 0
    for m in re.finditer(r"[ \t]+|-{3,}|\.\.\.", text):
        out.append(re.escape(text[pos : m.start()]))
        out.append({" ": "[ \t]+", "\t": "[ \t]+", "-": "-+", ".": "[^\n]*?"}[m.group()[0]])
        pos = m.end()
    out.append(re.escape(text[pos:]))
    return "".join(out)


def _tolerance(written):
    """Half a unit of the last digit written, times three (a value that rounds the other way on
    another BLAS is still the same figure); integers without an exponent must match exactly."""
    mantissa, _, exponent = written.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    if not decimals and not exponent:
        return 0.0
    return 1.5 * 10.0 ** (int(exponent or 0) - decimals)


def output_matches(want, got):
    """Whether the printed ``got`` is the ``want`` of a doc block (see the module docstring)."""
    pattern, expected = [], []
    for line in want.rstrip("\n").split("\n"):
        if line.strip() == "...":
            pattern.append(r"(?:[^\n]*\n)*?")
            continue
        regex, numbers = _line_pattern(line)
        pattern.append(regex + r"\n")
        expected.extend(numbers)
    got = "\n".join(line.rstrip() for line in got.rstrip("\n").split("\n")) + "\n"
    m = re.fullmatch("".join(pattern), got)
    if m is None:
        return False
    for written, printed in zip(expected, m.groups()):
        if float(written) != float(printed) and abs(float(written) - float(printed)) > _tolerance(written):
            return False
    return True


def run_cli(argv):
    """``practicalnn ARGV`` in this process: (exit status, stdout, stderr)."""
    from practicalnn.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exit_:  # argparse: --help, usage errors
            status = exit_.code
    return int(status or 0), out.getvalue(), err.getvalue()


def parse_console(source):
    """[(argv, expected output)] from a console block's ``$ practicalnn ...`` lines."""
    commands = []
    for line in source.splitlines():
        if line.startswith("$ "):
            words = shlex.split(line[2:], comments=True)
            if not words or words[0] != "practicalnn":
                raise ValueError(f"console blocks run practicalnn only, not {line!r}")
            commands.append((words[1:], []))
        elif commands:
            commands[-1][1].append(line)
        elif line.strip():
            raise ValueError(f"a console block starts with a '$ practicalnn' line, not {line!r}")
    return [(argv, "\n".join(lines)) for argv, lines in commands]


def evaluate_console(example):
    for argv, want in parse_console(example.parsed):
        status, out, err = run_cli(argv)
        got = out if status == 0 else out + err
        if not output_matches(want, got):
            return f"practicalnn {shlex.join(argv)} (exit status {status}) printed:\n{got}\nthe doc expects:\n{want}\n"
    return None


def _enter_tmpdir(namespace):
    namespace["_doc_cwd"] = os.getcwd()
    namespace["_doc_tmp"] = tempfile.TemporaryDirectory(prefix="practicalnn-docs-")
    os.chdir(namespace["_doc_tmp"].name)


def _leave_tmpdir(namespace):
    os.chdir(namespace.pop("_doc_cwd"))
    namespace.pop("_doc_tmp").cleanup()


pytest_collect_file = Sybil(
    parsers=[
        PythonCodeBlockParser(doctest_optionflags=ELLIPSIS | NUMBER),
        CodeBlockParser(language="console", evaluator=evaluate_console),
        SkipParser(),
        ClearNamespaceParser(),
    ],
    patterns=["README.md", "docs/*.md"],
    setup=_enter_tmpdir,
    teardown=_leave_tmpdir,
).pytest()

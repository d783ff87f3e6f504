"""What the subcommands share: the network flags of ``train``, progress bars, tables, JSON, Ctrl-C."""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
from pathlib import Path

import numpy as np

from ..data.datasets import load_dataset
from ..errors import Interrupted, argument_error
from ..training.run import hidden_sizes
from ..training.trainer import TrainConfig
from ._flags import add_data_args as add_data_args
from ._flags import add_generalization_args as add_generalization_args
from ._flags import add_network_args as add_network_args
from ._progress import Progress as Progress
from ._types import comma_list as comma_list


def rng_of(args):
    if args.rng == "course":
        return ("course", args.seed)
    return "notebook" if args.rng == "notebook" else args.seed


def config_of(args, **overrides):
    """TrainConfig from the flags of ``add_network_args`` (validated there; errors name the flag's
    argument), with ``overrides`` replacing any of them. A flag the command does not take keeps
    TrainConfig's default."""
    fields = {
        name: getattr(args, name)
        for name in (
            "learning_rate",
            "iterations",
            "l2",
            "l1",
            "keep_prob",
            "input_keep_prob",
            "record_every",
            "optimizer",
            "batch_size",
            "decay_rate",
            "lr_schedule",
            "decay_base",
            "decay_k",
            "time_interval",
            "beta1",
            "beta2",
        )
        if hasattr(args, name)
    }
    return TrainConfig(**{**fields, **overrides})


def dataset_of(args):
    """The dataset the flags name, with the output layer --output asks for (checked against its labels)."""
    from ..data.table_dataset import load_table, table_path
    from ..training.run import with_output

    features, drop, seed = getattr(args, "features", None), getattr(args, "drop", None) or [], getattr(args, "seed", 0)
    if table_path(args.dataset, features, drop):  # a CSV or Parquet table: practicalnn.data.table_dataset
        dataset = load_table(args.dataset, args.target, features=features, drop=drop, seed=seed)
    else:
        dataset = load_dataset(args.dataset, target=args.target, seed=seed)
    return with_output(dataset, getattr(args, "output", "auto"))


def hidden_of(args):
    return hidden_sizes(args.hidden)


def fmt(value, digits=6):
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e6):
            return f"{value:.{digits}e}"
        return f"{value:.{digits}f}".rstrip("0").rstrip(".") if not math.isnan(value) else "nan"
    return str(value)


def table(headers, rows):
    """Plain-text table with aligned columns."""
    cells = [[fmt(c) for c in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) if cells else len(str(h)) for i, h in enumerate(headers)]
    line = "  ".join(str(h).ljust(w) for h, w in zip(headers, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.rjust(w) if _numeric(c) else c.ljust(w) for c, w in zip(r, widths)) for r in cells]
    return "\n".join(line.rstrip() for line in out)


def _numeric(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def _finite(obj):
    """JSON has no NaN or infinity: they become null (a diverged run's last costs, say)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    if isinstance(obj, (np.generic, np.ndarray)):
        return _finite(obj.tolist())
    return obj


def print_json(document):
    """Print one JSON document on stdout (non-finite numbers as null)."""
    print(json.dumps(_finite(document), indent=2, allow_nan=False))


def check_report_dir(path, flag="report"):
    """The directory a --report flag names, checked before anything is trained: an existing directory,
    or a path whose nearest existing parent is a writable directory (it is created when written)."""
    if path is None:
        return None
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise argument_error(flag, str(p), "a directory (or a path where one can be created)")
    parent = p
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise argument_error(flag, str(p), f"a directory that can be created ({parent} is not a writable directory)")
    return p


@contextlib.contextmanager
def writing(flag, path):
    """Within this block an OSError (disk full, permissions) becomes an error naming ``flag``."""
    try:
        yield
    except OSError as err:
        where = err.filename or path
        raise argument_error(flag, str(path), f"a place that can be written ({err.strerror or err}: {where})") from err


INTERRUPTED = 130


def until_interrupted(call, *args, **kwargs):
    """``(result, interrupted)``: what ``call`` returns or, after Ctrl-C, what had fully finished before
    it (``Interrupted.partial``), to be printed as a finished result is. Ctrl-C before anything had
    finished propagates (``main`` says "interrupted" and exits 130)."""
    try:
        return call(*args, **kwargs), False
    except Interrupted as stop:
        if stop.partial is None:
            raise
        return stop.partial, True


def exit_status(args, interrupted, code=0):
    """``code``, or after Ctrl-C one line "interrupted" on stderr and 130."""
    if not interrupted:
        return code
    print(f"practicalnn {args.command}: interrupted", file=sys.stderr)
    return INTERRUPTED

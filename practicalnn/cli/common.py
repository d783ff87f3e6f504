"""What the subcommands share: the network flags of ``train``, progress bars, tables, JSON."""

from __future__ import annotations

import argparse
import json
import math
import sys

import numpy as np

from ..core.activations import HIDDEN
from ..core.initializers import SCHEMES
from ..data.datasets import load_dataset
from ..errors import bad
from ..training.callbacks import ProgressCallback
from ..training.run import hidden_sizes
from ..training.trainer import TrainConfig


def comma_list(text):
    """The stripped, non-empty parts of a comma-separated flag value ("a, b,,c" -> [a, b, c])."""
    return [p.strip() for p in str(text).split(",") if p.strip()]


def keep_prob_value(text):
    """--keep-prob: a float or a comma list, one per hidden layer."""
    try:
        values = [float(p) for p in comma_list(text)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a probability in (0, 1] or a comma list of them")
    if not values:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a probability in (0, 1]")
    return values[0] if len(values) == 1 else values


def add_data_args(parser):
    parser.add_argument(
        "--dataset",
        default="moons",
        help="moons (default, the notebook's), circles, digits, breast_cancer, or a CSV path (with --target)",
    )
    parser.add_argument("--target", help="label column of a CSV or Parquet dataset")
    parser.add_argument("--features", type=comma_list, help="table columns to use, comma-separated (default: all)")
    parser.add_argument("--drop", type=comma_list, default=[], help="table columns to leave out, comma-separated")
    parser.add_argument(
        "--output",
        choices=["auto", "sigmoid", "softmax", "identity"],
        default="auto",
        help="output layer: auto (from the labels), sigmoid, softmax or identity",
    )


def add_network_args(parser, *, iterations=30000):
    """The flags that describe a network and its training; defaults are the notebook's model."""
    add_data_args(parser)
    parser.add_argument("--hidden", default="20,3", help="hidden layer sizes, comma-separated (default 20,3)")
    parser.add_argument("--activation", default="relu", help=f"hidden activation: {', '.join(HIDDEN)} (default relu)")
    parser.add_argument("--init", default="notebook", help=f"initialization: {', '.join(SCHEMES)} (default notebook)")
    parser.add_argument("--learning-rate", type=float, default=0.3, help="learning rate (default 0.3)")
    parser.add_argument("--iterations", type=int, default=iterations, help=f"gradient steps (default {iterations})")
    parser.add_argument("--l2", type=float, default=0.0, help="L2 penalty lambda (default 0)")
    parser.add_argument("--l1", type=float, default=0.0, help="L1 penalty lambda (default 0)")
    parser.add_argument(
        "--keep-prob",
        type=keep_prob_value,
        default=1.0,
        help="dropout keep probability of hidden layers: one value or one per layer (default 1)",
    )
    parser.add_argument(
        "--input-keep-prob", type=float, default=1.0, help="dropout keep probability of inputs (default 1)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the default random streams (default 0)")
    parser.add_argument(
        "--rng",
        choices=["default", "notebook"],
        default="default",
        help="default: seeded generators, fresh dropout masks every iteration; "
        "notebook: replay the notebook's draws bit for bit",
    )
    parser.add_argument(
        "--record-every", type=int, default=1000, help="record the cost every N iterations (default 1000)"
    )
    parser.add_argument(
        "--optimizer", default="gd", help="gd (default, full-batch as the notebook), momentum, rmsprop or adam"
    )
    parser.add_argument(
        "--batch-size", type=int, default=None, help="mini-batch size, reshuffled every epoch (default: full batch)"
    )
    parser.add_argument(
        "--decay-rate",
        type=float,
        default=0.0,
        help="learning-rate decay per epoch: alpha = alpha0 / (1 + decay_rate * epoch) (default 0)",
    )
    parser.add_argument("--beta1", type=float, default=0.9, help="momentum / Adam beta1 (default 0.9)")
    parser.add_argument("--beta2", type=float, default=0.999, help="RMSprop / Adam beta2 (default 0.999)")


def add_generalization_args(parser):
    """Flags of the generalization toolkit: dev set, normalization, early stopping, augmentation."""
    g = parser.add_argument_group("generalization")
    g.add_argument(
        "--dev-fraction",
        type=float,
        default=None,
        help="hold out this share of the training set as a dev set (datasets without one); "
        "with a dev set the bias/variance diagnosis is printed",
    )
    g.add_argument(
        "--bayes-error", type=float, default=0.0, help="Bayes / human-level error for the diagnosis (default 0)"
    )
    g.add_argument(
        "--normalize",
        action="store_true",
        help="standardize inputs with training-set mean and std; also shows iterations to --target-cost "
        "with raw versus normalized inputs",
    )
    g.add_argument(
        "--target-cost", type=float, default=0.1, help="cost target of the --normalize comparison (default 0.1)"
    )
    g.add_argument(
        "--early-stopping",
        action="store_true",
        help="stop when the dev cost stops improving and keep the best parameters (dev set: --dev-fraction, default 0.2)",
    )
    g.add_argument("--patience", type=int, default=10, help="early stopping: checks without improvement (default 10)")
    g.add_argument(
        "--check-every", type=int, default=100, help="early stopping: iterations between dev checks (default 100)"
    )
    g.add_argument(
        "--min-delta", type=float, default=0.0, help="early stopping: least improvement that counts (default 0)"
    )
    g.add_argument(
        "--monitor",
        choices=["cost", "accuracy"],
        default="cost",
        help="early stopping watches the dev cost or accuracy",
    )
    g.add_argument(
        "--jitter", type=float, default=0.0, help="augment: Gaussian noise of this sigma on training batches"
    )
    g.add_argument("--flip", action="store_true", help="augment: horizontal flips (image datasets such as digits)")
    g.add_argument("--shift", type=int, default=0, help="augment: random shifts up to this many pixels (images)")
    g.add_argument(
        "--rotate", type=float, default=0.0, help="augment: random rotations up to this many degrees (images)"
    )


def rng_of(args):
    return "notebook" if args.rng == "notebook" else args.seed


def config_of(args, **overrides):
    """TrainConfig from the flags of ``add_network_args`` (validated there; errors name the flag's
    argument), with ``overrides`` replacing any of them."""
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
            "beta1",
            "beta2",
        )
    }
    return TrainConfig(**{**fields, **overrides})


def dataset_of(args):
    """The dataset the flags name, with the output layer --output asks for (checked against its labels)."""
    from ..training.run import with_output

    from ..data.table_dataset import load_table, table_path

    features, drop, seed = getattr(args, "features", None), getattr(args, "drop", []), getattr(args, "seed", 0)
    if table_path(args.dataset, features, drop):  # a CSV or Parquet table: practicalnn.data.table_dataset
        dataset = load_table(args.dataset, args.target, features=features, drop=drop, seed=seed)
    else:
        dataset = load_dataset(args.dataset, target=args.target, seed=seed)
    return with_output(dataset, getattr(args, "output", "auto"))


def hidden_of(args):
    return hidden_sizes(args.hidden)


class Progress:
    """A tqdm bar (on stderr) fed by ProgressCallback; silent with --json or when stdout is not a
    terminal (output piped to a file or another program)."""

    def __init__(self, enabled, desc):
        self.enabled = enabled and sys.stdout.isatty() and sys.stderr.isatty()
        self.desc = desc
        self.bar = None

    def callback(self, total):
        return ProgressCallback(self.update, total)

    def update(self, done, total, what=None):
        """Show ``done`` of ``total``; ``what``, when given, becomes the bar's description."""
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc=self.desc, unit="it", leave=False, file=sys.stderr)
        if what is not None:
            self.bar.set_description(what, refresh=False)
        self.bar.n = done
        self.bar.refresh()
        if done >= total:
            self.close()

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


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


def check_report_dir(path):
    if path is None:
        return None
    from pathlib import Path

    p = Path(path)
    if p.exists() and not p.is_dir():
        raise bad("report", str(p), "a directory (or a path where one can be created)")
    return p

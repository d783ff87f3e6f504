"""The flags several commands share: the dataset, train's network flags, the generalization toolkit."""

from __future__ import annotations

import argparse

from ..core.activations import HIDDEN
from ..core.batchnorm import DECAY, EPSILON
from ..core.initializers import SCHEMES
from ..errors import argument_error
from ..training.run import hidden_sizes
from ..training.schedules import NAMES as SCHEDULES
from ._types import hidden_value, keep_prob_value, layer_numbers, names


def add_data_args(parser):
    parser.add_argument(
        "--dataset",
        default="moons",
        help="moons (the notebook's), circles, digits, breast_cancer, or a CSV path (with --target)",
    )
    parser.add_argument("--target", help="label column of a CSV or Parquet dataset")
    parser.add_argument(
        "--features", type=names("columns"), help="table columns to use, comma-separated (all if not given)"
    )
    parser.add_argument("--drop", type=names("columns"), help="table columns to leave out, comma-separated")
    parser.add_argument(
        "--output",
        choices=["auto", "sigmoid", "softmax", "identity"],
        default="auto",
        help="output layer: auto (from the labels), sigmoid, softmax or identity",
    )


def _network_flags(iterations):
    """``train``'s network flags: name -> (flag, keywords of add_argument). No help text states a
    default: the parser's formatter appends the real one, per command (see ``cli._HelpFormatter``)."""
    return {
        "hidden": (
            "--hidden",
            dict(type=hidden_value, default="20,3", help="hidden layer sizes, comma-separated ('' for none)"),
        ),
        "activation": ("--activation", dict(default="relu", help=f"hidden activation: {', '.join(HIDDEN)}")),
        "init": ("--init", dict(default="notebook", help=f"initialization: {', '.join(SCHEMES)}")),
        "learning_rate": ("--learning-rate", dict(type=float, default=0.3, help="learning rate")),
        "iterations": ("--iterations", dict(type=int, default=iterations, help="gradient steps")),
        "l2": ("--l2", dict(type=float, default=0.0, help="L2 penalty lambda")),
        "l1": ("--l1", dict(type=float, default=0.0, help="L1 penalty lambda")),
        "keep_prob": (
            "--keep-prob",
            dict(
                type=keep_prob_value,
                default=1.0,
                help="dropout keep probability of hidden layers: one value or one per layer",
            ),
        ),
        "input_keep_prob": (
            "--input-keep-prob",
            dict(type=float, default=1.0, help="dropout keep probability of inputs"),
        ),
        "seed": ("--seed", dict(type=int, default=0, help="seed of the random streams")),
        "rng": (
            "--rng",
            dict(
                choices=["default", "notebook", "course"],
                default="default",
                help="default: seeded generators, fresh dropout masks every iteration; "
                "notebook: replay the notebook's draws bit for bit; course: the course's mini-batch "
                "exercises' epoch orders, RandomState(seed + epoch + 1) (the course's --seed is 10; "
                "see docs/optimization.md)",
            ),
        ),
        "record_every": ("--record-every", dict(type=int, default=1000, help="record the cost every N iterations")),
        "optimizer": (
            "--optimizer",
            dict(default="gd", help="gd (full-batch gradient descent, as the notebook), momentum, rmsprop or adam"),
        ),
        "batch_size": (
            "--batch-size",
            dict(type=int, default=None, help="mini-batch size, reshuffled every epoch (omitted: full batch)"),
        ),
        "decay_rate": (
            "--decay-rate",
            dict(
                type=float,
                default=0.0,
                help="learning-rate decay per epoch: alpha = alpha0 / (1 + decay_rate * epoch)",
            ),
        ),
        "lr_schedule": (
            "--lr-schedule",
            dict(
                choices=list(SCHEDULES),
                default="inverse",
                help="learning-rate schedule: inverse (--decay-rate), constant, exponential (--decay-base) "
                "or inverse_sqrt (--decay-k)",
            ),
        ),
        "decay_base": (
            "--decay-base",
            dict(type=float, default=0.95, help="exponential schedule: alpha = alpha0 * decay_base ** epoch"),
        ),
        "decay_k": (
            "--decay-k",
            dict(type=float, default=1.0, help="inverse_sqrt schedule: alpha = alpha0 * k / sqrt(epoch + 1)"),
        ),
        "time_interval": (
            "--time-interval",
            dict(type=int, default=None, help="hold the rate over this many epochs (omitted: every epoch)"),
        ),
        "beta1": ("--beta1", dict(type=float, default=0.9, help="momentum / Adam beta1")),
        "beta2": ("--beta2", dict(type=float, default=0.999, help="RMSprop / Adam beta2")),
    }


NETWORK_FLAGS = tuple(_network_flags(0))


def add_batch_norm_args(parser, *, help_text=None, decay=True, layers=True):
    """Batch normalization's flags, for the commands whose networks pass them on to the Network: ``help_text``
    replaces --batch-norm's (a study that adds batch-normalized runs says so); ``decay=False`` leaves out
    --bn-decay (one forward pass, no running averages); ``layers=False`` makes --batch-norm all or nothing
    (a study comparing networks with and without it), else ``--batch-norm 1,3`` normalizes only those
    hidden layers (``batch_norm_of`` turns them into the Network's one bool per hidden layer)."""
    g = parser.add_argument_group("batch normalization")
    text = help_text or "batch-normalize every hidden layer (Z_tilde = gamma * Z_norm + beta; b dropped)"
    if layers:
        g.add_argument(
            "--batch-norm",
            nargs="?",
            const=True,
            default=False,
            type=layer_numbers,
            metavar="LAYERS",
            help=f"{text}; or only the hidden LAYERS given, numbered from 1 (--batch-norm 1,3)",
        )
    else:
        g.add_argument("--batch-norm", action="store_true", help=text)
    g.add_argument("--bn-epsilon", type=float, default=EPSILON, help="epsilon of sqrt(sigma^2 + epsilon)")
    if decay:
        g.add_argument(
            "--bn-decay", type=float, default=DECAY, help="decay of the running averages of mu and sigma^2, in [0, 1)"
        )


def batch_norm_of(args):
    """The Network keywords of ``add_batch_norm_args``'s flags: --batch-norm's layer numbers become one bool
    per hidden layer of --hidden (a number past the last hidden layer is refused, naming it)."""
    value = args.batch_norm
    if isinstance(value, tuple):
        n_hidden = len(hidden_sizes(args.hidden))
        if value[-1] > n_hidden:
            raise argument_error(
                "batch_norm", ",".join(map(str, value)), f"hidden layer numbers from 1 to {n_hidden} (--hidden)"
            )
        value = [layer in value for layer in range(1, n_hidden + 1)]
    return {"batch_norm": value, "bn_epsilon": args.bn_epsilon, "bn_decay": args.bn_decay}


def describe_batch_norm(args):
    """What --batch-norm normalizes, for a summary line (see ``describe_normalized``)."""
    return describe_normalized(batch_norm_of(args)["batch_norm"]) if args.batch_norm else ""


def describe_normalized(batch_norm):
    """``batch_norm`` (False, True or one bool per hidden layer) for a summary line: "",
    ", batch norm on every hidden layer" or ", batch norm on hidden layers 1, 3"."""
    if batch_norm is True or (batch_norm and all(batch_norm)):
        return ", batch norm on every hidden layer"
    layers = [str(i) for i, on in enumerate(batch_norm or [], start=1) if on]
    if not layers:
        return ""
    return f", batch norm on hidden layer{'s' if len(layers) > 1 else ''} {', '.join(layers)}"


def network_options_of(args):
    """``batch_norm_of`` as a study's or an ensemble's ``network_options``: None without --batch-norm, so
    that a run without it builds its networks exactly as before."""
    return batch_norm_of(args) if args.batch_norm else None


class _NotTaken(argparse.Action):
    """A flag of ``train`` that this command does not take: giving it is an error that says why and
    which of ``train``'s flags the command does take (instead of argparse's 'unrecognized arguments')."""

    def __init__(self, option_strings, dest, *, reason, **kwargs):
        super().__init__(option_strings, dest, **kwargs)
        self.reason = reason

    def __call__(self, parser, namespace, values, option_string=None):
        parser.error(f"{option_string} is not taken by this command: {self.reason}")


#: The run settings a study applies to every run it trains (compare-init, recipe): the network's shape
#: and every knob of TrainConfig, with the seed.
RUN_SETTINGS = (
    "hidden",
    "activation",
    "learning_rate",
    "iterations",
    "l2",
    "l1",
    "keep_prob",
    "input_keep_prob",
    "seed",
    "record_every",
    "optimizer",
    "batch_size",
    "decay_rate",
    "beta1",
    "beta2",
)


def add_network_args(parser, *, iterations=30000, only=None, own=(), why=None):
    """``train``'s flags that describe a network and its training (defaults: the notebook's model).

    ``only`` limits them to those the command's library function can honour, ``own`` names those the
    command defines itself (a grid instead of one value); every other one is refused with ``why``, in
    the help's epilog and in the error a user gets for giving it. Per-command defaults: ``set_defaults``.
    """
    add_data_args(parser)
    flags = _network_flags(iterations)
    taken = [n for n in (only if only is not None else flags) if n not in own]
    for name in taken:
        flag, keywords = flags[name]
        parser.add_argument(flag, **keywords)
    refused = [n for n in flags if n not in taken and n not in own]
    if not refused:
        return
    takes = ", ".join(flags[n][0] for n in [*taken, *own])
    reason = f"{why}. Of train's network flags it takes {takes}"
    for name in refused:
        parser.add_argument(
            flags[name][0],
            nargs="?",
            action=_NotTaken,
            reason=reason,
            default=argparse.SUPPRESS,
            help=argparse.SUPPRESS,
        )
    parser.epilog = (
        f"Of train's network flags, this command takes {takes}; not {', '.join(flags[n][0] for n in refused)}: {why}."
    )


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
    g.add_argument("--bayes-error", type=float, default=0.0, help="Bayes / human-level error for the diagnosis")
    g.add_argument(
        "--normalize",
        action="store_true",
        help="standardize inputs with training-set mean and std; also shows iterations to --target-cost "
        "with raw versus normalized inputs",
    )
    g.add_argument("--target-cost", type=float, default=0.1, help="cost target of the --normalize comparison")
    g.add_argument(
        "--early-stopping",
        action="store_true",
        help="stop when the dev cost stops improving and keep the best parameters "
        "(dev set: --dev-fraction, or 0.2 of the training set without it)",
    )
    g.add_argument("--patience", type=int, default=10, help="early stopping: checks without improvement")
    g.add_argument("--check-every", type=int, default=100, help="early stopping: iterations between dev checks")
    g.add_argument("--min-delta", type=float, default=0.0, help="early stopping: least improvement that counts")
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

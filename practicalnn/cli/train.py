"""practicalnn train: one network on one dataset, from flags."""

from __future__ import annotations

import contextlib
import sys

from ..errors import Interrupted, argument_error
from ..training.run import fit_dataset
from ..training.threads import thread_limits
from . import _persist, _tables
from ._flags import add_batch_norm_args, batch_norm_of, describe_normalized
from ._generalization import TrainExtras
from .common import (
    Progress,
    add_generalization_args,
    add_network_args,
    check_report_dir,
    config_of,
    dataset_of,
    exit_status,
    hidden_of,
    print_json,
    rng_of,
    table,
    writing,
)


def register(sub):
    p = sub.add_parser(
        "train",
        help="train a network on a dataset (defaults: the notebook's unregularized model)",
        description="Train a fully connected network. The defaults are the notebook's model "
        "without regularization: hidden layers 20,3, relu, learning rate 0.3, 30000 iterations.",
    )
    add_network_args(p)
    add_batch_norm_args(p)
    add_generalization_args(p)
    p.add_argument("--json", action="store_true", help="print one JSON document and nothing else on stdout")
    p.add_argument("--report", metavar="DIR", help="write an HTML report (cost curve, decision boundary) to DIR")
    p.add_argument(
        "--check-monotonic",
        action="store_true",
        help="also train with keep_prob = 1 and report whether J (with penalty) fell at every iteration",
    )
    p.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="threads for BLAS and Numba (default: every core); 1 gives a study's trial bit for bit",
    )
    _persist.add_args(p)
    p.set_defaults(run=run)


def run(args):
    if args.threads is not None and args.threads < 1:
        raise argument_error("--threads", args.threads, "an integer >= 1")
    with contextlib.nullcontext() if args.threads is None else thread_limits(args.threads):
        return _run(args)


def _run(args):
    report_dir = check_report_dir(args.report)
    config = config_of(args)
    if args.batch_norm and (args.check_monotonic or args.normalize):
        raise argument_error(
            "batch_norm",
            True,
            "no --check-monotonic or --normalize with it: their second training builds a network "
            "without batch normalization",
        )
    dataset = dataset_of(args)
    tables = _tables.start(args, dataset)  # a CSV or Parquet table: its preprocessing, printed
    extras = TrainExtras(args, dataset)  # dev set, normalization, early stopping, augmentation
    dataset = extras.dataset
    persist = _persist.Persist(args)
    with Progress(not args.json, "train") as progress:
        result = fit_dataset(
            dataset,
            hidden=hidden_of(args),
            activation=args.activation,
            init=args.init,
            rng=rng_of(args),
            config=config,
            **batch_norm_of(args),
            callbacks=persist.callbacks(dataset, [*extras.callbacks(), progress.callback(config.iterations)]),
        )
    stopped = persist.interrupted(result)  # Ctrl-C: nothing more is trained, what finished is printed
    setup = {"hidden": hidden_of(args), "activation": args.activation, "init": args.init, "rng": rng_of(args)}
    stopped = extras.finish(result, config=config, train_more=not stopped, **setup) or stopped
    monotonic = None
    if args.check_monotonic and not stopped:
        monotonic, stopped = _check_monotonic(args, dataset, config, setup)
    index = None
    if report_dir is not None:
        from ..report.generalization import generalization_report
        from ..report.reproduce import train_report

        with writing("report", report_dir):
            index = (
                generalization_report(result, dataset, report_dir, extras.out)
                if extras.out
                else train_report(result, dataset, report_dir)
            )
    persisted = tables.finish(persist, result, dataset, extras.scaler)
    tables.report(result, dataset, extras.lines)
    for line in persist.notes(result):
        print(f"practicalnn train: {line}", file=sys.stderr)
    if args.json:
        print_json(
            {
                **result.to_dict(),
                **persisted,
                **extras.out,
                **tables.out,
                "report": None if index is None else str(index),
                **({"monotonic": monotonic.to_dict(config.record_every)} if monotonic else {}),
            }
        )
        return _exit(args, persist, result, stopped)
    _print_human(result, dataset, extras, monotonic, index)
    return _exit(args, persist, result, stopped)


def _check_monotonic(args, dataset, config, setup):
    """(MonotonicCheck or None, interrupted): --check-monotonic's second training."""
    from ..diagnostics.monotonic import check_monotonic_dataset

    with Progress(not args.json, "check-monotonic") as bar:
        try:
            return check_monotonic_dataset(
                dataset, config=config, callbacks=[bar.callback(config.iterations)], **setup
            ), False
        except Interrupted as stop:
            return stop.partial, True


def _print_human(result, dataset, extras, monotonic, index):
    h, s = result.history, result.setup
    normalized = describe_normalized(s.get("batch_norm"))
    print(
        f"Trained {s['layer_sizes']} ({s['activation']}, {s['output']} output{normalized})"
        f" on {dataset.name}: {dataset.train_X.shape[1]} train / {dataset.test_X.shape[1]} test examples\n"
    )
    print(
        table(
            ["iteration", "cost (J with penalty)", "cost without penalty"],
            list(zip(h.iterations, h.cost, h.cost_unpenalized)),
        )
    )
    print()
    rows = [["train", result.train_accuracy, result.train_cost], ["test", result.test_accuracy, result.test_cost]]
    print(table(["set", "accuracy", "cost"], rows))
    if h.stopped != "completed":
        print(f"\nstopped: {h.stopped} after {h.iterations_run} iterations")
    for line in extras.lines:
        print(f"\n{line}")
    if monotonic is not None:
        print("\n" + "\n".join(monotonic.describe()))
    if index is not None:
        print(f"\nReport written to {index}")


def _exit(args, persist, result, stopped):
    """130 after Ctrl-C: in the training itself (``persist`` has said so on stderr, with what it saved)
    or in a later one (the normalization comparison, --check-monotonic: "interrupted" is said here)."""
    if persist.interrupted(result):
        return persist.exit_code(result)
    return exit_status(args, stopped)

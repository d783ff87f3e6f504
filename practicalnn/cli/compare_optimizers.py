"""practicalnn compare-optimizers: gd, momentum, RMSprop and Adam side by side (the course's optimization study)."""

from __future__ import annotations

import contextlib

from ..diagnostics.optimizer_study import STUDIED, compare_optimizers, course_moons
from ._flags import add_batch_norm_args, describe_batch_norm, network_options_of
from .common import Progress, check_report_dir, comma_list, exit_status, print_json, table, until_interrupted, writing

_DEFAULTS = {"hidden": "5,2", "learning_rate": 0.0007, "batch_size": 64, "epochs": 5000, "target_cost": 0.4}


def register(sub):
    p = sub.add_parser(
        "compare-optimizers",
        help="train one network with gd, momentum, rmsprop and adam from the same weights and batches",
        description="Train the same network once per optimizer, from the same initial weights over the same "
        "mini-batch order, and measure what the course claims: final train and dev accuracy, iterations to a "
        "target mini-batch cost, and how much the cost oscillates between mini-batches. The default setup is "
        "the course's: moons with 300 examples (and 100 dev examples), layers [2, 5, 2, 1], mini-batches of "
        "64, learning rate 0.0007.",
    )
    p.add_argument("--optimizers", default=",".join(STUDIED), help="comma-separated optimizers")
    p.add_argument("--hidden", default=_DEFAULTS["hidden"], help="hidden layer sizes, comma-separated")
    p.add_argument(
        "--learning-rate", type=float, default=_DEFAULTS["learning_rate"], help="the same for every optimizer"
    )
    p.add_argument("--batch-size", type=int, default=_DEFAULTS["batch_size"], help="the same for every optimizer")
    p.add_argument("--epochs", type=int, default=_DEFAULTS["epochs"], help="passes over the data")
    p.add_argument(
        "--decay-rate",
        type=float,
        default=0.0,
        help="learning-rate decay per epoch: alpha0 / (1 + decay_rate * epoch)",
    )
    p.add_argument(
        "--target-cost",
        type=float,
        default=_DEFAULTS["target_cost"],
        help="report the first iteration whose mini-batch cost is at most this",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the shared weights and batch order")
    add_batch_norm_args(p, help_text="batch-normalize every hidden layer of every optimizer's network")
    p.add_argument("--json", action="store_true", help="print one JSON document and nothing else on stdout")
    p.add_argument(
        "--report", metavar="DIR", help="write an HTML report (cost curves side by side, decision boundaries) to DIR"
    )
    p.set_defaults(run=run)


def run(args):
    report_dir = check_report_dir(args.report)
    hidden = [int(h) for h in comma_list(args.hidden)] if args.hidden.strip() else []
    dataset = course_moons()
    with contextlib.ExitStack() as bars:

        def callbacks_for(name):
            per_epoch = -(-dataset.train_X.shape[1] // args.batch_size)
            return [bars.enter_context(Progress(not args.json, name)).callback(args.epochs * per_epoch)]

        study, interrupted = until_interrupted(
            compare_optimizers,
            dataset,
            optimizers=comma_list(args.optimizers),
            hidden=hidden,
            learning_rate=args.learning_rate,
            batch_size=args.batch_size,
            epochs=args.epochs,
            decay_rate=args.decay_rate,
            target_cost=args.target_cost,
            rng=args.seed,
            callbacks_for=callbacks_for,
            network_options=network_options_of(args),
        )
    index = None
    if report_dir is not None:
        from ..report.optimizers import optimizer_study_report

        with writing("report", report_dir):
            index = optimizer_study_report(study, dataset, report_dir)
    if args.json:
        print_json({**study.to_dict(), "report": None if index is None else str(index)})
        return exit_status(args, interrupted)
    s = study.setup
    print(
        f"Optimizer study on {study.dataset} ({s['examples']} training examples): layers {s['layer_sizes']}, "
        f"{s['activation']}, {s['init']} init, mini-batches of {study.config.batch_size}, learning rate "
        f"{study.config.learning_rate}, {args.epochs} epochs, seed {s['seed']} for every optimizer"
        f"{describe_batch_norm(args)}\n"
    )
    rows = [
        [
            r.optimizer,
            r.result.train_accuracy,
            r.result.test_accuracy,
            r.result.history.cost[-1],
            "-" if r.iterations_to_target is None else r.iterations_to_target,
            r.oscillation,
        ]
        for r in study.runs
    ]
    print(
        table(
            [
                "optimizer",
                "train acc",
                "dev acc",
                "last batch cost",
                f"iters to cost {study.target_cost:g}",
                "oscillation",
            ],
            rows,
        )
    )
    print("\n'oscillation' is the mean absolute change of the cost from one mini-batch to the next.")
    if index is not None:
        print(f"\nReport written to {index}")
    return exit_status(args, interrupted)

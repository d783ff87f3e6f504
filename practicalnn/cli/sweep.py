"""practicalnn sweep: a grid of lambda x keep_prob, trained in parallel, scored on train and dev."""

from __future__ import annotations

from ._flags import add_batch_norm_args, network_options_of
from ._types import float_grid
from .common import (
    Progress,
    add_network_args,
    check_report_dir,
    config_of,
    dataset_of,
    exit_status,
    hidden_of,
    print_json,
    rng_of,
    table,
    until_interrupted,
    writing,
)


def register(sub):
    p = sub.add_parser(
        "sweep",
        help="train a lambda x keep_prob grid in parallel and compare train and dev accuracy",
        description="Train one model per (lambda, keep_prob) pair, on every core, each exactly as "
        "`practicalnn train --l2 L --keep-prob K` would, and print train and dev accuracy per cell. "
        "The dev set is the dataset's own; a dataset without one (moons, circles) is scored on its "
        "test set unless --dev-fraction holds out part of the training set, which keeps the test "
        "set out of the choice.",
    )
    add_network_args(p, own=("l2", "keep_prob"))
    add_batch_norm_args(p)
    p.add_argument("--l2", type=float_grid, default="0,0.1,0.3,0.7", help="L2 strengths lambda, comma-separated")
    p.add_argument(
        "--keep-prob", type=float_grid, default="1,0.9,0.8", help="hidden-layer keep probabilities, comma-separated"
    )
    p.add_argument(
        "--dev-fraction",
        type=float,
        default=None,
        help="hold out this share of the training set as the dev set (datasets without one; omitted: "
        "score on the test set)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="single-threaded worker processes of a local Dask cluster (omitted: every core; 1: here)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON document and nothing else on stdout")
    p.add_argument("--report", metavar="DIR", help="write an HTML report (heat maps, regularization path) to DIR")
    p.set_defaults(run=run)


def run(args):
    from ..experiments.sweep import sweep

    report_dir = check_report_dir(args.report)
    config = config_of(args, l2=0.0, keep_prob=1.0)  # each cell sets its own lambda and keep_prob
    dataset = dataset_of(args)
    if args.dev_fraction is not None:
        from ..data.splits import with_dev

        dataset = with_dev(dataset, args.dev_fraction, seed=args.seed)
    with Progress(not args.json, "sweep") as progress:
        result, interrupted = until_interrupted(
            sweep,
            dataset,
            args.l2,
            args.keep_prob,
            hidden=hidden_of(args),
            activation=args.activation,
            init=args.init,
            rng=rng_of(args),
            config=config,
            workers=args.workers,
            progress=progress.update,
            network_options=network_options_of(args),
        )
    index = None
    if report_dir is not None:
        from ..report.sweep import sweep_report

        with writing("report", report_dir):
            index = sweep_report(result, report_dir)
    if args.json:
        print_json({**result.to_dict(), "report": None if index is None else str(index)})
        return exit_status(args, interrupted)
    s = result.setup
    dev = s["dev_set"]
    print(
        f"Sweep of {s['layer_sizes']} ({s['activation']}{', batch norm' if s['batch_norm'] else ''}) on "
        f"{s['dataset']}: {len(result.l2_values)} lambda x "
        f"{len(result.keep_values)} keep_prob = {len(result.cells)} models, {s['iterations']} iterations each, "
        f"{s['workers']} worker(s); {s['m_train']} training examples, dev = the {dev} set ({s['m_dev']} examples)\n"
    )
    print(
        table(
            ["lambda", "keep_prob", "train accuracy", f"{dev} accuracy", "train cost", f"{dev} cost", "stopped"],
            [
                [c.l2, c.keep_prob, c.train_accuracy, c.dev_accuracy, c.train_cost, c.dev_cost, c.stopped]
                for c in result.cells
            ],
        )
    )
    best = result.best()
    if best is not None:
        print(f"\n{dev} accuracy (rows keep_prob, columns lambda):\n")
        grid = result.grid("dev_accuracy")
        print(
            table(
                ["keep_prob \\ lambda", *[f"{v:g}" for v in result.l2_values]],
                [[f"{k:g}", *[None if v != v else float(v) for v in row]] for k, row in zip(result.keep_values, grid)],
            )
        )
        print(f"\nbest {dev} accuracy {best.dev_accuracy:.4f} at lambda = {best.l2:g}, keep_prob = {best.keep_prob:g}")
    if index is not None:
        print(f"\nReport written to {index}")
    return exit_status(args, interrupted)

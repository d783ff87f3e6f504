"""practicalnn ensemble: K independent models (different seeds) or snapshots of one run, averaged."""

from __future__ import annotations

from ..regularization.ensemble import snapshot_ensemble, train_ensemble
from ._flags import add_batch_norm_args, describe_batch_norm, network_options_of
from .common import (
    Progress,
    add_network_args,
    check_report_dir,
    config_of,
    dataset_of,
    exit_status,
    hidden_of,
    print_json,
    table,
    until_interrupted,
    writing,
)


def register(sub):
    p = sub.add_parser(
        "ensemble",
        help="average the probabilities of several networks (notes 9)",
        description="Train --members independent networks that differ only by their seed and average "
        "their predicted probabilities, or (--snapshots) average checkpoints taken along one run. "
        "Prints every member's dev accuracy and the ensemble's.",
    )
    add_network_args(p, iterations=2000)
    p.set_defaults(dataset="breast_cancer", init="he")
    add_batch_norm_args(p)
    p.add_argument("--members", type=int, default=5, help="independent models, seeds seed..seed+K-1")
    p.add_argument(
        "--snapshots",
        type=int,
        default=None,
        help="instead: average this many snapshots taken over the second half of one run",
    )
    p.add_argument(
        "--dev-fraction",
        type=float,
        default=0.25,
        help="share of the training set held out as dev when the dataset has none",
    )
    p.add_argument("--normalize", action="store_true", help="standardize inputs with training-set statistics")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="train the members on a local Dask cluster of this many single-threaded worker processes "
        "(default 1): 1 trains them here, one after another",
    )
    p.add_argument("--json", action="store_true", help="print one JSON document and nothing else on stdout")
    p.add_argument("--report", metavar="DIR", help="write an HTML report to DIR")
    p.set_defaults(run=run)


def run(args):
    from ..data.splits import with_dev
    from ..errors import argument_error

    report_dir = check_report_dir(args.report)
    if args.rng == "notebook":
        raise argument_error("rng", "notebook", "'default': members differ by their seeds")
    dataset = with_dev(dataset_of(args), args.dev_fraction, seed=args.seed)
    config = config_of(args)
    common = {
        "hidden": hidden_of(args),
        "activation": args.activation,
        "init": args.init,
        "config": config,
        "normalize": args.normalize,
    }
    with Progress(not args.json, "ensemble") as progress:
        if args.snapshots is not None:
            result, interrupted = until_interrupted(
                snapshot_ensemble,
                dataset,
                args.snapshots,
                seed=args.seed,
                callbacks=[progress.callback(config.iterations)],
                network_options=network_options_of(args),
                **common,
            )
        else:
            if args.members < 1:
                raise argument_error("members", args.members, "an integer >= 1")
            result, interrupted = _independent(args, dataset, common, progress)
    index = None
    if report_dir is not None:
        from ..report.generalization import ensemble_report

        with writing("report", report_dir):
            index = ensemble_report(result, report_dir)
    if args.json:
        normalized = {"batch_norm": result.networks[0].batch_norm} if args.batch_norm else {}
        print_json(
            {"dataset": dataset.name, **normalized, **result.to_dict(), "report": None if index is None else str(index)}
        )
        return exit_status(args, interrupted)
    what = (
        f"{len(result.members)} snapshots of one run"
        if result.kind == "snapshot"
        else f"{len(result.members)} independent models"
    )
    print(
        f"Ensemble of {what} on {dataset.name} ({dataset.dev_X.shape[1]} dev / {dataset.test_X.shape[1]} test "
        f"examples){describe_batch_norm(args)}, probabilities averaged\n"
    )
    rows = [[m.name, m.dev_accuracy, m.test_accuracy] for m in result.members]
    rows.append(["ensemble", result.dev_accuracy, result.test_accuracy])
    print(table(["model", "dev accuracy", "test accuracy"], rows))
    d = result.to_dict()
    print(
        f"\nensemble dev accuracy {result.dev_accuracy:.4f}; members: mean {d['mean_member_dev_accuracy']:.4f}, "
        f"best {d['best_member_dev_accuracy']:.4f}"
    )
    if index is not None:
        print(f"\nReport written to {index}")
    return exit_status(args, interrupted)


def _independent(args, dataset, common, progress):
    """``train_ensemble`` here with a bar per member, or on a local Dask cluster of --workers."""
    from ..errors import argument_error

    seeds = [args.seed + i for i in range(args.members)]
    common = {**common, "network_options": network_options_of(args)}
    if args.workers < 1:
        raise argument_error("workers", args.workers, "an integer >= 1 (1 trains the members here)")
    if args.workers == 1:
        bars = {"callbacks_for": lambda i: [progress.callback(common["config"].iterations)]}
        return until_interrupted(train_ensemble, dataset, args.members, seeds=seeds, **bars, **common)
    from ..experiments.tune.execution import opened

    with opened(workers=min(args.workers, args.members)) as executor:
        result, interrupted = until_interrupted(
            train_ensemble, dataset, args.members, seeds=seeds, executor=executor, **common
        )
        if interrupted:  # the members still running are lost: no graceful wait for them
            executor.abort()
    return result, interrupted

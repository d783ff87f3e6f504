"""practicalnn compare-init: the initialization study of notes 12 and 15 on one dataset."""

from __future__ import annotations

import contextlib
import sys

from ..core.initializers import SCHEMES
from ..diagnostics.init_study import STUDIED, compare_initializations
from ._flags import RUN_SETTINGS, add_batch_norm_args
from ._settings import changed_settings
from ._types import names
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

#: The run settings every scheme shares, shown in the header when they are not train's defaults.
SHARED = ("l2", "l1", "keep_prob", "input_keep_prob", "optimizer", "batch_size", "decay_rate", "beta1", "beta2")


def register(sub):
    p = sub.add_parser(
        "compare-init",
        help="train one network with zeros, large random, xavier, he and the "
        "notebook's initialization, side by side (notes 12, 15)",
        description="Train the same network on one dataset once per initialization scheme, with "
        "the same learning rate, iterations and random draw, and measure what the notes claim: "
        "zeros never breaks symmetry (the units of a layer stay identical) and learns nothing "
        "beyond chance; large random weights start with a huge cost and train slowly; he suits relu.",
    )
    add_network_args(
        p,
        only=RUN_SETTINGS,
        why="every scheme trains the same network with the same settings from the same seed (the default "
        "random streams), so that only the initialization differs (--schemes names them)",
    )
    p.set_defaults(learning_rate=0.05, iterations=15000, record_every=None)
    p.add_argument(
        "--schemes",
        type=names(f"initialization schemes ({', '.join(SCHEMES)})"),
        default=",".join(STUDIED),
        help="comma-separated initialization schemes",
    )
    p.add_argument("--scale", type=float, default=10.0, help="standard deviation of 'normal' (10: large)")
    add_batch_norm_args(
        p,
        help_text="also train every scheme with every hidden layer batch-normalized (rows 'SCHEME + batch "
        "norm'): on a deep network batch norm keeps the activations in range where the scheme alone does not",
        layers=False,
    )
    p.add_argument("--json", action="store_true", help="print one JSON document and nothing else on stdout")
    p.add_argument("--report", metavar="DIR", help="write an HTML report (cost curves, decision boundaries) to DIR")
    p.set_defaults(run=run)


def run(args):
    report_dir = check_report_dir(args.report)
    dataset = dataset_of(args)
    with contextlib.ExitStack() as bars:  # one bar per scheme, every one closed however the study ends

        def callbacks_for(scheme):
            return [bars.enter_context(Progress(not args.json, scheme)).callback(args.iterations)]

        study, interrupted = until_interrupted(
            compare_initializations,
            dataset,
            schemes=args.schemes,
            hidden=hidden_of(args),
            activation=args.activation,
            learning_rate=args.learning_rate,
            iterations=args.iterations,
            scale=args.scale,
            rng=args.seed,
            record_every=args.record_every,
            config=config_of(args, record_every=1),  # the study's own record_every (above) replaces it
            callbacks_for=callbacks_for,
            batch_norm=args.batch_norm,
            bn_epsilon=args.bn_epsilon,
            bn_decay=args.bn_decay,
        )
    index = None
    if report_dir is not None:
        from ..report.diagnostics import init_study_report

        with writing("report", report_dir):
            index = init_study_report(study, dataset, report_dir)
    if args.json:
        print_json({**study.to_dict(), "report": None if index is None else str(index)})
        if index is not None:
            print(f"report written to {index}", file=sys.stderr)
        return exit_status(args, interrupted)
    _print(study, dataset)
    if index is not None:
        print(f"\nReport written to {index}")
    return exit_status(args, interrupted)


def _print(study, dataset):
    s = study.setup
    print(
        f"Initialization study on {dataset.name}: layers {s['layer_sizes']}, {s['activation']}, learning rate "
        f"{study.config.learning_rate}, {study.config.iterations} iterations"
        f"{changed_settings(study.config, SHARED)}, seed {s['seed']} for every scheme\n"
    )
    normalized = any(r.batch_norm for r in study.runs)  # the batch-norm column, only when the study has it
    rows = [
        [
            r.scheme,
            *(["yes" if r.batch_norm else "no"] if normalized else []),
            r.initial_cost,
            r.final_cost,
            r.result.train_accuracy,
            r.result.test_accuracy,
            r.symmetry_broken,
            ",".join(map(str, r.identical_after)) or "-",
            _dead(r),
            r.stopped,
        ]
        for r in study.runs
    ]
    print(
        table(
            [
                "init",
                *(["batch norm"] if normalized else []),
                "first cost",
                "final cost",
                "train acc",
                "test acc",
                "symmetry broken",
                "identical-unit layers",
                "dead units",
                "stopped",
            ],
            rows,
        )
    )
    if study.chance["train"] is None:
        print("\nregression target: accuracy and chance do not apply; compare the costs")
    else:
        print(
            f"\nchance (always the most frequent training class): train {study.chance['train']:.6f}, "
            f"test {study.chance['test']:.6f}"
        )
    print(
        "'symmetry broken' is measured after training: a layer whose W rows (and b entries) are all equal "
        "has units that compute the same thing.\n'dead units': per hidden layer, units that output 0 on every "
        "training example (out of the layer's size)."
    )


def _dead(run):
    sizes = run.result.network.layer_sizes[1:-1]
    return " ".join(f"{d}/{n}" for d, n in zip(run.dead_after, sizes)) or "-"

"""practicalnn reproduce: the notebook's three experiments beside its published figures."""

from __future__ import annotations

import contextlib
import sys

from ..experiments.reproduce import EXPERIMENTS, ITERATIONS, reproduce
from .common import Progress, check_report_dir, exit_status, print_json, table, until_interrupted, writing


def register(sub):
    p = sub.add_parser(
        "reproduce",
        help="run the regularization notebook's three experiments and compare them with its published figures",
        description="Train the notebook's model (layers [2, 20, 3, 1], learning rate 0.3, 30000 "
        "iterations, its random streams) without regularization, with L2 (lambda 0.7) and with "
        "dropout (keep_prob 0.86), and compare every printed figure. Exits 1 if any differs.",
    )
    p.add_argument("--json", action="store_true", help="print one JSON document and nothing else on stdout")
    p.add_argument(
        "--report",
        default="practicalnn-report",
        metavar="DIR",
        help="where to write the HTML report",
    )
    p.add_argument("--no-report", action="store_true", help="do not write the report")
    p.set_defaults(run=run)


def run(args):
    report_dir = None if args.no_report else check_report_dir(args.report)
    results, interrupted = _experiments(args)
    all_match = all(row["match"] for r in results for row in r.extra["comparison"])
    if interrupted:  # the report shows the three experiments; an interrupted run writes none
        report_dir = None
    if report_dir is not None:
        from ..report.reproduce import reproduce_report

        with writing("report", report_dir):
            index = reproduce_report(results, report_dir)
    if args.json:
        print_json(
            {
                "experiments": [r.to_dict() for r in results],
                "all_match": all_match,
                "report": None if report_dir is None else str(index),
            }
        )
    else:
        rows = []
        for r in results:
            for row in r.extra["comparison"]:
                rows.append(
                    [
                        r.name,
                        row["figure"],
                        repr(row["published"]),
                        repr(row["ours"]),
                        row["relative_difference"],
                        "match" if row["match"] else "DIFFERS",
                    ]
                )
        print("The regularization notebook, reproduced (layers [2, 20, 3, 1], learning rate 0.3, 30000 iterations)\n")
        print(table(["experiment", "figure", "published", "practicalnn", "rel. diff", ""], rows))
        print()
        if interrupted:
            print(f"Interrupted after {len(results)} of {len(EXPERIMENTS)} experiments.")
        else:
            print("All figures match the notebook." if all_match else "Some figures DIFFER from the notebook.")
        if report_dir is not None:
            print(f"Report written to {index}")
    if report_dir is not None and args.json:
        print(f"report written to {index}", file=sys.stderr)
    return exit_status(args, interrupted, 0 if all_match else 1)


def _experiments(args):
    """(results, interrupted): the experiments that ran to the end, stopping at the first Ctrl-C."""
    with contextlib.ExitStack() as bars:  # one bar per experiment, every one closed however the runs end

        def callbacks_for(name):
            return [bars.enter_context(Progress(not args.json, name)).callback(ITERATIONS)]

        return until_interrupted(reproduce, callbacks_for=callbacks_for)

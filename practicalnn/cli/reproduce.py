"""practicalnn reproduce: the notebook's three experiments beside its published figures."""

from __future__ import annotations

import sys

from ..experiments.reproduce import EXPERIMENTS, run_experiment
from .common import Progress, check_report_dir, print_json, table


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
        help="where to write the HTML report (default ./practicalnn-report)",
    )
    p.add_argument("--no-report", action="store_true", help="do not write the report")
    p.set_defaults(run=run)


def run(args):
    report_dir = None if args.no_report else check_report_dir(args.report)
    results = []
    for name in EXPERIMENTS:
        with Progress(not args.json, name) as progress:
            results.append(run_experiment(name, callbacks=[progress.callback(30000)]))
    all_match = all(row["match"] for r in results for row in r.extra["comparison"])
    if report_dir is not None:
        from ..report.reproduce import reproduce_report

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
        print("All figures match the notebook." if all_match else "Some figures DIFFER from the notebook.")
        if report_dir is not None:
            print(f"Report written to {index}")
    if report_dir is not None and args.json:
        print(f"report written to {index}", file=sys.stderr)
    return 0 if all_match else 1

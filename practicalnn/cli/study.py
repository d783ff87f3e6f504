"""practicalnn study show|best|export: read a study that ``practicalnn tune`` recorded; and what
``tune`` prints and draws (the table of trials, the best trial, the report)."""

from __future__ import annotations

import csv
import io
import json
import sys

from .common import fmt, print_json, table

DEFAULT_STUDY = "practicalnn-tune"
#: A trial's iterations when the space does not set them (``experiments.tune.trial.DEFAULTS``).
DEFAULT_ITERATIONS = 2000


def register(sub):
    p = sub.add_parser(
        "study",
        help="read a study recorded by `practicalnn tune`: its trials, its best trial, an export",
        description="Read a study that `practicalnn tune` recorded in an Optuna storage. show: the table "
        "of trials; best: the best trial, its test score and the command that trains it alone; export: "
        "every trial as CSV or JSON.",
    )
    p.add_argument(
        "action",
        nargs="?",
        default="show",
        choices=["show", "best", "export"],
        help="show: the table of trials; best: the winner; export: every trial (default: show)",
    )
    p.add_argument(
        "--storage",
        default="sqlite:///study.db",
        help="the study's storage, as tune was given it; tune --report DIR keeps it in sqlite:///DIR/study.db",
    )
    p.add_argument("--study-name", default=DEFAULT_STUDY, help="the study's name")
    p.add_argument("--format", choices=["csv", "json"], default="csv", help="export format")
    p.add_argument("--json", action="store_true", help="print one JSON document and nothing else on stdout")
    p.set_defaults(run=run)


def load(storage, name):
    """(study, setup, table) of a recorded study; errors name --storage or --study-name."""
    from ..errors import argument_error
    from ..experiments.tune.results import rows
    from ..experiments.tune.space import SearchSpace
    from ..experiments.tune.study import SETUP_KEY, open_storage, study_names

    _require_file(storage)
    rdb = open_storage(storage)
    if name not in study_names(rdb):
        raise argument_error("--study-name", name, f"a study in {storage} (it holds {study_names(rdb) or 'none'})")
    import optuna

    study = optuna.load_study(study_name=name, storage=rdb)
    setup = study.user_attrs.get(SETUP_KEY)
    if setup is None:
        raise argument_error("--study-name", name, "a study made by practicalnn tune")
    return study, setup, rows(study, sorted(SearchSpace.from_dict(setup["space"]).searched()))


def _require_file(storage):
    """A SQLite study must exist to be read: opening a missing file would create an empty one."""
    from pathlib import Path

    from ..errors import argument_error

    if storage.startswith("sqlite:///") and not Path(storage[len("sqlite:///") :]).is_file():
        raise argument_error(
            "--storage",
            storage,
            "an existing SQLite file (practicalnn tune --report DIR keeps its study in DIR/study.db)",
        )


def flat(row):
    """A table row with its params as columns (for CSV and the printed table)."""
    out = {k: v for k, v in row.items() if k != "params"}
    return {**{k: out.pop(k) for k in ("trial", "number", "state")}, **row["params"], **out}


def trial_table(rows, searched):
    headers = ["#", "state", *searched, "train error", "dev error", "dev cost", "verdict", "iterations"]
    body = [
        [
            r["trial"],
            r["state"],
            *[r["params"].get(k) for k in searched],
            r["train_error"],
            r["dev_error"],
            r["dev_cost"],
            r["verdict"] or (r["message"] or "")[:60],
            r["iterations"],
        ]
        for r in rows
    ]
    return table(headers, body)


def pruning_words(setup):
    """How the study prunes, as a newcomer reads it: successive halving decides only at its rungs
    (rung_every x 3^k iterations), median pruning at every report, and "none" is no pruning."""
    if setup["pruner"] == "none":
        return "no pruning"
    every = setup["rung_every"]
    if setup["pruner"] == "median":
        return f"median pruning every {every} iterations"
    knob = setup["space"].get("iterations")
    longest = max(knob["values"]) if knob else DEFAULT_ITERATIONS
    rungs = [every * 3**k for k in range(32) if every * 3**k < longest]
    if not rungs:
        return f"successive-halving pruning, but its first rung ({every}) is past the last iteration"
    at = " and ".join([", ".join(map(str, rungs[:-1])), str(rungs[-1])] if len(rungs) > 1 else [str(rungs[0])])
    return f"successive-halving pruning at {at} iterations"


def counts_line(counts):
    return ", ".join(f"{n} {state}" for state, n in counts.items() if n)


def best_lines(best, test, command, notes, setup):
    if best is None:
        return ["no trial completed"]
    lines = [
        f"best trial #{best['trial']}: dev cost {fmt(best['dev_cost'])}, dev error {fmt(best['dev_error'])}, "
        f"train error {fmt(best['train_error'])} ({best['verdict'] or 'no verdict'}); chosen on the dev set "
        f"by {setup['metric'].replace('_', ' ')}",
        "params: " + ", ".join(f"{k}={fmt(v)}" for k, v in best["params"].items()),
    ]
    if test is not None and test.get("trial") == best["trial"]:
        lines.append(
            f"test set, scored once for the winner: accuracy {fmt(test['accuracy'])}, cost {fmt(test['cost'])} "
            f"({test['examples']} examples)"
        )
    if command:
        lines.append(f"re-run it alone: {command}")
    lines += [f"  note: {n}" for n in notes]
    return lines


def run(args):
    from ..experiments.tune.results import best_row, train_command
    from ..experiments.tune.space import SearchSpace

    study, setup, rows = load(args.storage, args.study_name)
    searched = sorted(SearchSpace.from_dict(setup["space"]).searched())
    best = best_row(rows)
    test = study.user_attrs.get("test")
    command, notes = (None, [])
    if best is not None:
        command, notes = train_command(setup, {**SearchSpace.from_dict(setup["space"]).fixed(), **best["params"]})
    if args.action == "export":
        if args.format == "json" or args.json:
            print(json.dumps({"setup": setup, "trials": rows}, indent=2, default=str))
        else:
            out = io.StringIO()
            flats = [flat(r) for r in rows]
            writer = csv.DictWriter(out, fieldnames=list(flats[0]) if flats else ["trial"])
            writer.writeheader()
            writer.writerows(flats)
            sys.stdout.write(out.getvalue())
        return 0
    if args.json:
        doc = {"study": args.study_name, "storage": args.storage, "setup": setup, "best": best, "test": test}
        print_json({**doc, "command": command, **({"trials": rows} if args.action == "show" else {})})
        return 0
    if args.action == "show":
        print(
            f"study {args.study_name} in {args.storage}: {setup['sampler']} sampler, {pruning_words(setup)}, "
            f"on {setup['dataset']}\n"
        )
        print(trial_table(rows, searched))
        from ..experiments.tune.results import counts

        print(f"\n{counts_line(counts(rows))}\n")
    print("\n".join(best_lines(best, test, command, notes, setup)))
    return 0

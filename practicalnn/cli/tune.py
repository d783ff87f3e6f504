"""practicalnn tune: a hyperparameter search on the dev set (Optuna), trials trained on Dask."""

from __future__ import annotations

import sys

from ..errors import ConfigError, Interrupted, argument_error
from .common import check_report_dir, print_json, writing
from .study import DEFAULT_STUDY, best_lines, counts_line, pruning_words, trial_table


def register(sub):
    p = sub.add_parser(
        "tune",
        help="search hyperparameters on the dev set (Optuna), training trials in parallel (Dask)",
        description="Search any knob (learning_rate, l2, l1, keep_prob, hidden, activation, init, batch_norm, "
        "optimizer, beta1, beta2, batch_size, decay_rate, patience, seed, iterations...) with grid, random or TPE "
        "sampling and successive-halving or median pruning on the dev set. Trials run on a local Dask "
        "cluster (one worker process per core) or --scheduler; the study is kept in an Optuna storage "
        "(a SQLite file by default), so the same command again continues it. The test set is scored once, "
        "for the winner.",
    )
    p.add_argument("--dataset", default="moons", help="moons, circles, digits, breast_cancer or a CSV file")
    p.add_argument("--target", help="label column of a CSV dataset")
    p.add_argument(
        "--param",
        action="append",
        default=None,
        metavar="NAME=SPEC",
        help="a knob: a value (iterations=5000), choice:A|B, LOW:HIGH or uniform:LOW:HIGH, log:LOW:HIGH, "
        "int:LOW:HIGH, logint:LOW:HIGH; repeat for each knob; quote a choice, whose | the shell would take "
        'for a pipe: --param "hidden=choice:20,3|40,10"',
    )
    p.add_argument("--space", metavar="FILE", help="knobs from a TOML or JSON file (--param flags override it)")
    p.add_argument(
        "--trials",
        type=int,
        default=None,
        help="how many trials the study has in all (default 20; grid: its size): the same command again runs "
        "only those it lacks, a larger number adds more",
    )
    p.add_argument("--sampler", choices=["tpe", "random", "grid"], default="tpe", help="how trials are chosen")
    p.add_argument("--pruner", choices=["halving", "median", "none"], default="halving", help="stop bad trials early")
    p.add_argument(
        "--rung-every",
        type=int,
        default=None,
        help="iterations between two reports of a trial's dev metric to the pruner (default: a ninth of the "
        "largest iterations); halving's rungs are 1, 3, 9... times this",
    )
    p.add_argument("--metric", choices=["dev_cost", "dev_error"], default="dev_cost", help="what is minimized")
    p.add_argument("--storage", help="Optuna storage URL (default sqlite:///study.db in --report DIR or here)")
    p.add_argument("--study-name", default=DEFAULT_STUDY, help="the study's name")
    p.add_argument(
        "--resume", action="store_true", help="continue the stored study with its own setup (no --param needed)"
    )
    p.add_argument("--scheduler", help="a Dask scheduler, tcp://HOST:8786 (default: a local cluster)")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="local worker processes (default: one per core; 0: every trial in this process). With tpe or "
        "pruning the study depends on this number: give it, with --seed, to get the same study again",
    )
    p.add_argument("--connect-timeout", type=float, default=5.0, help="seconds to reach --scheduler")
    p.add_argument("--seed", type=int, default=0, help="seeds the sampler, the dev split and every trial")
    p.add_argument(
        "--dev-fraction",
        type=float,
        default=0.2,
        help="dev share of the training set, for a dataset without a dev split of its own (digits and "
        "breast_cancer have one)",
    )
    p.add_argument("--normalize", action="store_true", help="standardize inputs with training-set statistics")
    p.add_argument("--bayes-error", type=float, default=0.0, help="Bayes error for the verdict")
    p.add_argument("--json", action="store_true", help="print one JSON document and nothing else on stdout")
    p.add_argument(
        "--report",
        metavar="DIR",
        help="write an HTML report to DIR: the history, importances, parallel coordinates, a grid's heat maps "
        "and regularization path, the best trial's learning curves; the study is kept there too (unless --storage)",
    )
    p.set_defaults(run=run)


class TrialBar:
    """A tqdm bar on stderr: trials settled of the total, with running, pruned and failed counts."""

    def __init__(self, enabled):
        self.enabled = enabled and sys.stderr.isatty()
        self.bar = None

    def __call__(self, counts):
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=counts["total"], desc="tune", unit="trial", leave=False, file=sys.stderr)
        self.bar.n = counts["complete"] + counts["pruned"] + counts["failed"]
        self.bar.set_postfix(running=counts["running"], pruned=counts["pruned"], failed=counts["failed"], refresh=False)
        self.bar.refresh()

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _storage(args, report_dir):
    if args.storage:
        return args.storage
    from ..experiments.tune.study import default_storage

    if report_dir is not None:
        report_dir.mkdir(parents=True, exist_ok=True)
    return default_storage(report_dir)


def run(args):
    try:
        from ..experiments.tune import tune
    except ImportError as err:
        raise argument_error(
            "tune",
            err.name,
            "Optuna and Dask, dependencies of practicalnn, installed (pip install practicalnn)",
            ConfigError,
        ) from None
    report_dir = check_report_dir(args.report)
    storage = _storage(args, report_dir)
    if not args.json:
        print(f"study {args.study_name} in {storage}", file=sys.stderr)
    bar = TrialBar(not args.json)
    try:
        result = tune(
            args.dataset,
            args.param or [],
            space=args.space,
            n_trials=args.trials,
            sampler=args.sampler,
            pruner=args.pruner,
            rung_every=args.rung_every,
            metric=args.metric,
            storage=storage,
            study_name=args.study_name,
            resume=args.resume,
            scheduler=args.scheduler,
            workers=args.workers,
            connect_timeout=args.connect_timeout,
            seed=args.seed,
            target=args.target,
            dev_fraction=args.dev_fraction,
            normalize=args.normalize,
            bayes_error=args.bayes_error,
            progress=bar,
        )
    except Interrupted as stop:
        bar.close()
        if stop.partial is not None:
            show(stop.partial, args.json)
        print(f"practicalnn tune: interrupted; finished trials are kept in {storage}", file=sys.stderr)
        return 130
    finally:
        bar.close()
    index = None
    if report_dir is not None:
        from ..report.tune import tune_report

        lines = best_lines(result.best, result.test, result.command, result.notes, result.setup)
        with writing("report", report_dir):
            about = f"{result.setup['sampler']} sampler, {pruning_words(result.setup)}"
            index = tune_report(result, report_dir, lines, _study_data(result.setup), about)
    show(result, args.json, index)
    return 0


def _study_data(setup):
    """The study's data again (the split and scaling its setup records), for the best trial's
    learning curves; None when the data on disk is no longer what the study was made with."""
    from ..experiments.tune import prepare_data

    data, description = prepare_data(
        setup["dataset"],
        target=setup["target"],
        dev_fraction=setup["dev_fraction"] or 0.2,
        normalize=setup["normalize"],
        seed=setup["seed"],
    )
    return data if description["data_digest"] == setup["data_digest"] else None


def show(result, as_json, index=None):
    if as_json:
        print_json({**result.to_dict(), "report": None if index is None else str(index)})
        return
    from ..experiments.tune.space import SearchSpace

    s = result.setup
    searched = sorted(SearchSpace.from_dict(s["space"]).searched())
    dev = "its own dev split" if s.get("own_dev") else f"{s['dev_fraction']:g} of the training set"
    print(
        f"Study of {s['n_trials']} trials on {s['dataset']} (dev set: {dev}): {s['sampler']} sampler, "
        f"{pruning_words(s)}, {'in this process' if result.where == 'in-process' else 'on ' + str(result.where)}\n"
    )
    print(trial_table(result.table, searched))
    print(
        f"\n{counts_line(result.counts)}"
        + (f"; retried after an interruption: {result.retried}" if result.retried else "")
    )
    print()
    print("\n".join(best_lines(result.best, result.test, result.command, result.notes, s)))
    print(f"\nstudy kept in {result.storage}")
    if index is not None:
        print(f"Report written to {index}")

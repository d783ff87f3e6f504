"""practicalnn recipe: the basic recipe for machine learning as a loop (train, diagnose, act)."""

from __future__ import annotations

from ..errors import argument_error
from ..experiments.recipe import Settings, basic_recipe
from ._flags import RUN_SETTINGS, add_batch_norm_args, describe_batch_norm, network_options_of
from ._settings import changed_settings
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

#: train's network flags that ``basic_recipe`` honours (through ``Settings`` and its own parameters)
RECIPE_FLAGS = (*RUN_SETTINGS[:2], "init", *RUN_SETTINGS[2:])
#: The settings every run of the recipe shares (it changes the others), shown in the header when set.
SHARED = ("l1", "input_keep_prob", "batch_size", "decay_rate", "beta1", "beta2")
HEADERS = ["step", "change", "from", "train error", "dev error", "verdict"]


def register(sub):
    p = sub.add_parser(
        "recipe",
        help="run the basic recipe: train, diagnose bias/variance, act, repeat",
        description="The basic recipe (notes 4) as a loop. Each run is diagnosed; on high bias the "
        "network grows (wider, deeper), trains longer or switches to Adam; on high variance L2 lambda "
        "rises, dropout keep_prob falls or augmentation is added. Every step starts from the best run "
        "so far. Stops when the dev error meets --target-dev-error (or the verdict is fine) or when "
        "--max-runs runs are spent, and prints the path it took. The network flags describe the first run "
        "(--record-every omitted: 20 points a run); --seed, --l1, --input-keep-prob, --batch-size, --decay-rate "
        "and the betas are shared by every run.",
    )
    add_network_args(
        p,
        only=RECIPE_FLAGS,
        why="the recipe's runs differ only by what it changes (size, iterations, optimizer, L2, dropout), "
        "each with the seeded default random streams",
    )
    p.set_defaults(dataset="digits", hidden="4", iterations=300, learning_rate=0.1, init="he", record_every=None)
    add_batch_norm_args(p, help_text="batch-normalize every hidden layer of every run (the recipe keeps it on)")
    p.add_argument(
        "--target-dev-error",
        type=float,
        default=None,
        help="stop once the dev error is at most this (omitted: stop at the first 'fine' verdict)",
    )
    p.add_argument("--max-runs", type=int, default=8, help="budget of training runs")
    p.add_argument("--bayes-error", type=float, default=0.0, help="Bayes / human-level error")
    p.add_argument("--bias-threshold", type=float, default=0.02, help="avoidable bias above which bias is high")
    p.add_argument(
        "--variance-threshold", type=float, default=0.02, help="dev - train error above which variance is high"
    )
    p.add_argument(
        "--dev-fraction",
        type=float,
        default=0.25,
        help="share of the training set held out as dev when the dataset has none",
    )
    p.add_argument("--no-normalize", action="store_true", help="do not standardize the inputs")
    p.add_argument("--json", action="store_true", help="print one JSON document and nothing else on stdout")
    p.add_argument("--report", metavar="DIR", help="write an HTML report of the path to DIR")
    p.set_defaults(run=run)


def _row(step):
    return [step.index, step.change, step.based_on, step.train_error, step.dev_error, step.verdict]


def run(args):
    from ..data.splits import with_dev

    report_dir = check_report_dir(args.report)
    dataset = with_dev(dataset_of(args), args.dev_fraction, seed=args.seed)
    if isinstance(args.keep_prob, list):
        raise argument_error(
            "keep_prob", args.keep_prob, "one probability for every hidden layer (the recipe lowers it by 0.1)"
        )
    start = Settings(
        hidden=tuple(hidden_of(args)),
        iterations=args.iterations,
        optimizer=args.optimizer,
        learning_rate=args.learning_rate,
        l2=args.l2,
        keep_prob=args.keep_prob,
    )
    config = config_of(args, record_every=1)  # the runs' shared settings; the recipe's record_every replaces it
    progress = Progress(not args.json, "recipe")

    def on_step(step):
        progress.close()
        if not args.json:
            print(
                f"step {step.index}: {step.change} -> train error {step.train_error:.4f}, dev error "
                f"{step.dev_error:.4f}: {step.verdict}",
                flush=True,
            )

    if not args.json:
        print(
            f"The basic recipe on {dataset.name}: {dataset.train_X.shape[1]} train / {dataset.dev_X.shape[1]} dev "
            f"examples; start: {start.describe()}{changed_settings(config, SHARED)}"
            f"{describe_batch_norm(args)}\n"
        )
    with progress:
        result, interrupted = until_interrupted(
            basic_recipe,
            dataset,
            settings=start,
            target_dev_error=args.target_dev_error,
            max_runs=args.max_runs,
            activation=args.activation,
            init=args.init,
            seed=args.seed,
            normalize=not args.no_normalize,
            bayes_error=args.bayes_error,
            thresholds={"bias_threshold": args.bias_threshold, "variance_threshold": args.variance_threshold},
            record_every=args.record_every,
            config=config,
            on_step=on_step,
            callbacks_for=lambda s: [progress.callback(s.iterations)],
            network_options=network_options_of(args),
        )
    index = None
    if report_dir is not None:
        from ..report.generalization import recipe_report

        with writing("report", report_dir):
            index = recipe_report(result, report_dir)
    if args.json:
        print_json({"dataset": dataset.name, **result.to_dict(), "report": None if index is None else str(index)})
        return exit_status(args, interrupted)
    _print(result)
    if index is not None:
        print(f"\nReport written to {index}")
    return exit_status(args, interrupted)


def _print(result):
    print()
    print(table(HEADERS, [_row(s) for s in result.steps]))
    best = result.best
    print(
        f"\nstopped: {result.stopped}. Best: step {best.index} ({best.settings.describe()}): dev error "
        f"{best.dev_error:.4f}, test error {1 - best.evaluation.result.test_accuracy:.4f}"
    )
    for note in result.notes:
        print(f"note: {note}")

"""practicalnn diagnose: bias and variance from a train and a dev error, or from a model trained on a
dataset's train/dev/test split (with the dev-vs-test distribution check)."""

from __future__ import annotations

from ..diagnostics.bias_variance import diagnose
from ..errors import argument_error
from ._flags import add_batch_norm_args, describe_batch_norm, network_options_of
from .common import (
    Progress,
    add_network_args,
    config_of,
    dataset_of,
    exit_status,
    hidden_of,
    print_json,
    rng_of,
    table,
    until_interrupted,
)


def register(sub):
    p = sub.add_parser(
        "diagnose",
        help="bias/variance verdict and the basic recipe's next steps",
        description="Give --train-error and --dev-error (0.11 for 11%) for a verdict: high bias, "
        "high variance, both, or fine, with the basic recipe's next steps. Without them, train the "
        "network of the flags on --dataset, split train/dev/test, check that dev and test look "
        "alike, and diagnose the trained model.",
    )
    p.add_argument("--train-error", type=float, help="training-set error rate in [0, 1]")
    p.add_argument("--dev-error", type=float, help="dev-set error rate in [0, 1]")
    p.add_argument("--bayes-error", type=float, default=0.0, help="Bayes / human-level error")
    p.add_argument("--bias-threshold", type=float, default=0.02, help="avoidable bias above which bias is high")
    p.add_argument(
        "--variance-threshold", type=float, default=0.02, help="dev - train error above which variance is high"
    )
    add_network_args(p, iterations=5000)
    add_batch_norm_args(p)
    p.add_argument(
        "--dev-fraction",
        type=float,
        default=0.25,
        help="share of the training set held out as dev when the dataset has no dev set",
    )
    p.add_argument("--normalize", action="store_true", help="standardize inputs with training statistics")
    p.add_argument("--json", action="store_true", help="print one JSON document and nothing else on stdout")
    p.set_defaults(run=run)


def _thresholds(args):
    return {"bias_threshold": args.bias_threshold, "variance_threshold": args.variance_threshold}


def run(args):
    if (args.train_error is None) != (args.dev_error is None):
        raise argument_error(
            "train_error" if args.train_error is None else "dev_error",
            None,
            "both --train-error and --dev-error, or neither (then a model is trained on --dataset)",
        )
    if args.train_error is not None:
        if args.batch_norm:
            raise argument_error(
                "batch_norm", True, "no --batch-norm with --train-error and --dev-error: nothing is trained"
            )
        d = diagnose(args.train_error, args.dev_error, args.bayes_error, **_thresholds(args))
        if args.json:
            print_json(d.to_dict())
        else:
            _print_diagnosis(d)
        return 0
    return _run_on_dataset(args)


def _print_diagnosis(d):
    print(table(["", "error"], [["Bayes (baseline)", d.bayes_error], ["train", d.train_error], ["dev", d.dev_error]]))
    print()
    print(f"avoidable bias = train - Bayes = {d.avoidable_bias:.4g}  (high above {d.bias_threshold:g})")
    print(f"variance       = dev - train   = {d.variance:.4g}  (high above {d.variance_threshold:g})")
    print(f"\nverdict: {d.verdict}")
    for warning in d.warnings:
        print(f"warning: {warning}")
    print("\nnext steps (the basic recipe):")
    for step in d.next_steps:
        print(f"  - {step}")


def _run_on_dataset(args):
    from ..data.splits import same_distribution, with_dev
    from ..experiments.recipe import evaluate_run

    dataset = with_dev(dataset_of(args), args.dev_fraction, seed=args.seed)
    config = config_of(args)
    with Progress(not args.json, "diagnose") as progress:
        run, interrupted = until_interrupted(
            evaluate_run,
            dataset,
            hidden=hidden_of(args),
            activation=args.activation,
            init=args.init,
            rng=rng_of(args),
            config=config,
            normalize=args.normalize,
            bayes_error=args.bayes_error,
            thresholds=_thresholds(args),
            callbacks=[progress.callback(config.iterations)],
            network_options=network_options_of(args),
        )
    check = same_distribution(
        run.dataset.dev_X, run.dataset.test_X, feature_names=dataset.feature_names, seed=args.seed
    )
    sizes = {"train": dataset.train_X.shape[1], "dev": dataset.dev_X.shape[1], "test": dataset.test_X.shape[1]}
    if args.json:
        print_json(
            {
                "dataset": dataset.name,
                "sizes": sizes,
                "run": run.to_dict(),
                "same_distribution": check.to_dict(),
                "diagnosis": run.diagnosis.to_dict(),
            }
        )
        return exit_status(args, interrupted)
    print(
        f"{dataset.name}: {sizes['train']} train / {sizes['dev']} dev / {sizes['test']} test examples; "
        f"network {run.result.setup['layer_sizes']}{describe_batch_norm(args)}, "
        f"{config.iterations} iterations\n"
    )
    print(("WARNING: " if check.mismatch else "") + check.message() + "\n")
    _print_diagnosis(run.diagnosis)
    return exit_status(args, interrupted)

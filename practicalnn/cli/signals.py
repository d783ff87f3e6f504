"""practicalnn signal: vanishing and exploding activations and gradients over depth (notes 11-12)."""

from __future__ import annotations

import sys

from ..core.activations import HIDDEN
from ..core.initializers import SCHEMES
from ..diagnostics.signal import THRESHOLD, linear_chain, signal_study
from ..errors import argument_error
from ._flags import add_batch_norm_args
from ._types import names
from .common import Progress, check_report_dir, print_json, table, writing


def register(sub):
    p = sub.add_parser(
        "signal",
        help="measure how activations and gradients grow or shrink over depth, per "
        "initialization and activation (notes 11-12)",
        description="For a deep network (--depth hidden layers of --width units), each "
        "initializer and activation: one forward and backward pass on random input, the standard "
        "deviation of A[l] and the norm of dW[l] per layer. A layer whose gradient norm is below "
        "1e-6 or above 1e6 times the last layer's is flagged vanishing or exploding (likewise the "
        "activations against the input). --linear shows the notes' linear demonstration instead.",
    )
    p.add_argument("--depth", type=int, default=50, help="hidden layers")
    p.add_argument("--width", type=int, default=100, help="units per hidden layer and input features")
    p.add_argument(
        "--inits",
        type=names(f"initializations ({', '.join(SCHEMES)})"),
        default="normal,xavier,he",
        help="comma-separated initializations",
    )
    p.add_argument(
        "--activations",
        type=names(f"hidden activations ({', '.join(HIDDEN)})"),
        default="relu,tanh,sigmoid",
        help="comma-separated hidden activations",
    )
    p.add_argument("--scale", type=float, default=10.0, help="standard deviation of 'normal'")
    p.add_argument("--examples", type=int, default=256, help="random input columns")
    p.add_argument("--threshold", type=float, default=THRESHOLD, help="flag ratios beyond this")
    p.add_argument("--per-layer", action="store_true", help="also print every layer of every pair")
    p.add_argument(
        "--linear",
        action="store_true",
        help="the notes' linear demonstration: W = 1.5 I and 0.5 I, no activation, over --depth layers",
    )
    p.add_argument("--width-linear", type=int, default=3, help="units of the linear demonstration")
    p.add_argument("--seed", type=int, default=0, help="seed of the input, labels and weights")
    add_batch_norm_args(
        p,
        help_text="also measure every pair with every hidden layer batch-normalized (the batch's own mu and "
        "sigma^2, gamma = 1, beta = 0) and print the spread of every layer without and with it side by side",
        decay=False,
        layers=False,
    )
    p.add_argument("--json", action="store_true", help="print one JSON document and nothing else on stdout")
    p.add_argument("--report", metavar="DIR", help="write an HTML report with the plots over depth to DIR")
    p.set_defaults(run=run)


def run(args):
    if args.linear and args.batch_norm:
        raise argument_error(
            "batch_norm", True, "no --batch-norm with --linear: the notes' linear chain is W = factor * I alone"
        )
    report_dir = check_report_dir(args.report)
    setup = {
        "depth": args.depth,
        "width": args.width,
        "examples": args.examples,
        "seed": args.seed,
        "scale": args.scale,
        "threshold": args.threshold,
        **({"batch_norm": True, "bn_epsilon": args.bn_epsilon} if args.batch_norm else {}),
    }
    if args.linear:
        chains = [linear_chain(f, args.depth, args.width_linear) for f in (1.5, 0.5)]
        profiles = []
    else:
        with Progress(not args.json, "signal") as progress:
            profiles = signal_study(
                args.depth,
                args.width,
                args.inits,
                args.activations,
                examples=args.examples,
                scale=args.scale,
                rng=args.seed,
                threshold=args.threshold,
                progress=progress.update,
                batch_norm=args.batch_norm,
                bn_epsilon=args.bn_epsilon,
            )
        chains = []
    index = None
    if report_dir is not None:
        from ..report.diagnostics import signal_report

        with writing("report", report_dir):
            index = signal_report(profiles, chains, report_dir, setup=setup)
    if args.json:
        doc = {
            **setup,
            "profiles": [p.to_dict() for p in profiles],
            "linear": [c.to_dict() for c in chains],
            "report": None if index is None else str(index),
        }
        if args.linear:
            doc = {"depth": args.depth, "width": args.width_linear, "linear": doc["linear"], "report": doc["report"]}
        print_json(doc)
        if index is not None:
            print(f"report written to {index}", file=sys.stderr)
        return 0
    if args.linear:
        _print_linear(chains)
    else:
        _print_profiles(profiles, args)
    if index is not None:
        print(f"\nReport written to {index}")
    return 0


def _print_linear(chains):
    width = chains[0].width
    print(
        f"A linear network (no activation, b = 0, {width} units a layer) with W[l] = factor * I, fed x = ones: "
        "the output of layer l is factor^l (notes 11)\n"
    )
    rows = [
        [layer] + [v for c in chains for v in (c.values[layer - 1], c.expected[layer - 1])]
        for layer in range(1, len(chains[0].values) + 1)
    ]
    headers = ["layer"] + [h for c in chains for h in (f"output, W = {c.factor} I", f"{c.factor}^l")]
    print(table(headers, rows))


def _print_profiles(profiles, args):
    L = args.depth + 1
    print(
        f"{args.depth} hidden layers of {args.width} units and a sigmoid output (L = {L}), one forward and "
        f"backward pass on {args.examples} random examples (seed {args.seed})"
        f"{'; every pair also with every hidden layer batch-normalized' if args.batch_norm else ''}\n"
    )
    normalized = ["batch norm"] if args.batch_norm else []
    headers = ["init", *normalized, "activation", "std A[1]", f"std A[{L - 1}]", "||dW[1]||", f"||dW[{L}]||"]
    headers += ["||dW[1]|| / ||dW[L]||", "gradient flags", "activation flags"]
    print(table(headers, [_summary_row(p, args.batch_norm) for p in profiles]))
    print(
        f"\nflags: ||dW[l]|| below 1/{args.threshold:g} or above {args.threshold:g} times ||dW[L]|| (gradient), "
        "or std A[l] that far from the input's (activation); zero: exactly 0"
    )
    if args.batch_norm:
        _print_spread_side_by_side(profiles, L)
    if args.per_layer:
        for p in profiles:
            _print_layers(p, L)


def _summary_row(p, batch_norm_column):
    return [
        p.init,
        *(["yes" if p.batch_norm else "no"] if batch_norm_column else []),
        p.activation,
        p.activation_std[0],
        p.activation_std[-2],
        p.grad_norm[0],
        p.grad_norm[-1],
        p.grad_ratio[0],
        p.describe_flags("grad"),
        p.describe_flags("activation"),
    ]


def _print_spread_side_by_side(profiles, L):
    """Per (init, activation) pair, std A[l] and std Z[l] of every layer without and with batch norm
    (``signal_study`` puts each batch-normalized profile right after its plain one)."""
    for plain, normalized in zip(profiles[::2], profiles[1::2]):
        print(f"\n{plain.init}, {plain.activation}: the spread of every layer without and with batch norm")
        print(
            table(
                ["layer", "std A[l]", "std A[l], batch norm", "std Z[l]", "std Z[l], batch norm"],
                [
                    [
                        layer,
                        plain.activation_std[layer - 1],
                        normalized.activation_std[layer - 1],
                        plain.preactivation_std[layer - 1],
                        normalized.preactivation_std[layer - 1],
                    ]
                    for layer in range(1, L + 1)
                ],
            )
        )
    print(
        "\nstd Z[l]: the spread of what the activation takes (with batch norm Z_tilde = gamma * Z_norm + beta, "
        "gamma = 1 and beta = 0 at initialization: 1 in every hidden layer, whatever the weights' scale)"
    )


def _print_layers(p, L):
    print(f"\n{p.label}, {p.activation}:")
    print(
        table(
            ["layer", "std A[l]", "||dW[l]||", "ratio to last", "gradient flag", "activation flag"],
            [
                [
                    layer,
                    p.activation_std[layer - 1],
                    p.grad_norm[layer - 1],
                    p.grad_ratio[layer - 1],
                    p.grad_flags[layer - 1] or "-",
                    p.activation_flags[layer - 1] or "-",
                ]
                for layer in range(1, L + 1)
            ],
        )
    )

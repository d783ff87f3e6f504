"""practicalnn gradcheck: check the backward pass of a network against numerical differences of J."""

from __future__ import annotations

from ..core.batchnorm import require_batch_of_two
from ..core.network import Network
from ..core.random import streams
from ..diagnostics.gradcheck import BUG, CORRECT, check_network_gradients
from ..errors import argument_error
from ._flags import add_batch_norm_args, batch_norm_of
from .common import (
    Progress,
    add_network_args,
    dataset_of,
    exit_status,
    hidden_of,
    print_json,
    table,
    until_interrupted,
)

_MEANING = {
    "correct": f"below {CORRECT:g}: the backward pass agrees with J",
    "inspect": f"between {CORRECT:g} and {BUG:g}: look for components that stand out below",
    "bug": f"from {BUG:g}: the backward pass is probably wrong; start with the suspect array",
}


def register(sub):
    p = sub.add_parser(
        "gradcheck",
        help="check backpropagation against two-sided differences of J (notes 13-14)",
        description="Build a network from the flags of train, compute its gradient by "
        "backpropagation and by two-sided differences of J (penalties included) on a few "
        "examples, and print the notes' relative difference, its verdict (correct < 1e-7 <= "
        "inspect < 1e-3 <= bug) and the components that differ most. Exits 1 on 'bug'.",
    )
    add_network_args(
        p,
        only=("hidden", "activation", "init", "learning_rate", "l2", "l1", "keep_prob", "input_keep_prob", "seed"),
        why="the check compares gradients of one network at initialization (and, with --after N, after N "
        "full-batch gradient-descent steps at --learning-rate)",
    )
    add_batch_norm_args(p)
    p.add_argument(
        "--freeze-masks",
        action="store_true",
        help="with dropout (--keep-prob below 1, refused without this): draw one set of masks and replay it "
        "at every evaluation of J",
    )
    p.add_argument(
        "--after",
        type=int,
        default=0,
        metavar="N",
        help="also check after N iterations of gradient descent (0: at initialization only)",
    )
    p.add_argument(
        "--examples",
        type=int,
        default=100,
        help="check on the first N training examples (the check is slow by nature)",
    )
    p.add_argument("--epsilon", type=float, default=1e-7, help="step of the two-sided difference")
    p.add_argument("--worst", type=int, default=5, help="how many of the worst components to show")
    p.add_argument("--json", action="store_true", help="print one JSON document and nothing else on stdout")
    p.set_defaults(run=run)


def _network(args, dataset):
    sizes = [dataset.n_x, *hidden_of(args), dataset.n_y]
    net = Network(sizes, args.activation, dataset.output, **batch_norm_of(args))
    return net.initialize(args.init, streams(args.seed).init)


def run(args):
    if args.examples < 1:
        raise argument_error("examples", args.examples, "an integer >= 1")
    dataset = dataset_of(args)
    net = _network(args, dataset)
    m = min(args.examples, dataset.train_X.shape[1])
    if net.normalized:
        require_batch_of_two(m, "examples")
    X, Y = dataset.train_X[:, :m], dataset.train_Y[:, :m]
    with Progress(not args.json, "gradcheck") as progress:
        result, interrupted = until_interrupted(
            check_network_gradients,
            net,
            X,
            Y,
            l2=args.l2,
            l1=args.l1,
            keep_prob=args.keep_prob,
            input_keep_prob=args.input_keep_prob,
            freeze_masks=args.freeze_masks,
            after=args.after,
            learning_rate=args.learning_rate,
            rng=args.seed,
            epsilon=args.epsilon,
            n_worst=args.worst,
            progress=progress.update,
        )
    setup = {
        "dataset": dataset.name,
        "examples": m,
        "layer_sizes": list(net.layer_sizes),
        "activation": net.hidden.name,
        "output": net.output.name,
        "init": args.init,
        "l2": args.l2,
        "l1": args.l1,
        "keep_prob": args.keep_prob,
        "input_keep_prob": args.input_keep_prob,
        "epsilon": args.epsilon,
        "n_parameters": int(net.params.size),
        **({"batch_norm": net.batch_norm} if net.normalized else {}),
    }
    if args.json:
        print_json({**setup, **result.to_dict()})
    else:
        _print(result, setup)
    return exit_status(args, interrupted, 1 if result.verdict == "bug" else 0)


def _print(result, setup):
    print(
        f"Gradient check of {setup['layer_sizes']} ({setup['activation']}, {setup['output']} output, "
        f"init {setup['init']}, l2 {setup['l2']}, l1 {setup['l1']}{', batch norm' if 'batch_norm' in setup else ''}): "
        f"{setup['n_parameters']} parameters, "
        f"{setup['examples']} examples of {setup['dataset']}, epsilon {setup['epsilon']:g}"
    )
    print(f"{result.checks[0].note}\n")
    print(
        table(
            ["iteration", "difference", "verdict", "round-off floor", "suspect array"],
            [[c.iteration, c.difference, c.verdict, c.roundoff, c.suspect or "-"] for c in result.checks],
        )
    )
    for c in result.checks:
        print(f"\nWorst components at iteration {c.iteration}:")
        print(
            table(
                ["parameter", "backprop", "numeric", "|difference|", "share of error"],
                [[w["name"], w["analytic"], w["numeric"], w["abs_difference"], w["share"]] for w in c.worst],
            )
        )
    for c in result.checks:
        if c.kinked:
            print(f"\nLeft out at iteration {c.iteration} (the step crosses a relu kink; J has no derivative there):")
            print(
                table(
                    ["parameter", "backprop", "numeric (meaningless here)"],
                    [[k["name"], k["analytic"], k["numeric"]] for k in c.kinked],
                )
            )
    worst = result.worst_check
    print(f"\nPer parameter array (iteration {worst.iteration}):")
    print(
        table(
            ["array", "difference", "verdict", "share of error"],
            [[name, a["difference"], a["verdict"], a["share"]] for name, a in worst.arrays.items()],
        )
    )
    print(f"\nVerdict: {result.verdict} (difference {result.difference:.3e}; {_MEANING[result.verdict]})")

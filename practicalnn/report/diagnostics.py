"""Reports of the diagnostics: the initialization study, the signal over depth and the linear chain.
Built from results with ``plots`` and ``html``; nothing is computed here."""

from __future__ import annotations

import numpy as np

from .figures import (
    FULL,
    HALF,
    apply_scale,
    duplicate_of,
    integer_ticks,
    legend_if_several,
    new_figure,
    shared_scale,
)
from .html import Report
from .plots import network_boundary, plot_costs
from .reproduce import MOONS_LIMITS


def dead_units_text(run):
    """Dead units per hidden layer as the CLI prints them: "20/20 3/3" (dead of the layer's size)."""
    sizes = run.result.setup["layer_sizes"][1:-1]
    return " ".join(f"{dead}/{size}" for dead, size in zip(run.dead_after, sizes)) or "-"


def _cost_series(study):
    return {r.label: (r.result.history.iterations, r.result.history.cost) for r in study.runs}


#: The init study's table; "batch norm" only for a study with batch-normalized runs (``init_columns``).
INIT_COLUMNS = [
    "init",
    "batch norm",
    "first cost",
    "final cost",
    "train accuracy",
    "test accuracy",
    "symmetry broken",
    "layers with identical units",
    "dead units per hidden layer",
    "stopped",
]


def init_columns(study):
    """INIT_COLUMNS, without "batch norm" when no run of ``study`` has it."""
    normalized = any(r.batch_norm for r in study.runs)
    return [c for c in INIT_COLUMNS if normalized or c != "batch norm"]


def _init_row(r, columns):
    return [
        r.scheme,
        *(["yes" if r.batch_norm else "no"] if "batch norm" in columns else []),
        r.initial_cost,
        r.final_cost,
        r.result.train_accuracy,
        r.result.test_accuracy,
        "yes" if r.symmetry_broken else "no",
        ", ".join(map(str, r.identical_after)) or "-",
        dead_units_text(r),
        r.stopped,
    ]


def init_study_report(study, dataset, directory):
    """Table, the cost curves of every scheme on one plot, and the decision boundaries side by side."""
    s = study.setup
    rep = Report(
        f"Initialization study: {dataset.name}",
        f"layers {s['layer_sizes']}, {s['activation']}, learning rate {study.config.learning_rate}, "
        f"{study.config.iterations} iterations, seed {s['seed']} for every scheme "
        f"(normal: standard deviation {s['scale']})",
    )
    rep.section("Results")
    columns = init_columns(study)
    rep.table(columns, [_init_row(r, columns) for r in study.runs])
    rep.text(
        f"Chance (always the most frequent training class): train {study.chance['train']:.4f}, test "
        f"{study.chance['test']:.4f}. 'Symmetry broken' is measured after training: a hidden layer whose rows of "
        "W (and entries of b) are all equal has units that all compute the same function (notes 15)."
    )
    rep.section("Cost curves")
    series = _cost_series(study)
    rep.figures(
        [
            (
                "init_costs.png",
                plot_costs(series, title="J during training, one curve per initialization", size=HALF),
                f"J every {study.config.record_every} iterations",
            )
        ]
    )
    for scheme, twin in duplicate_of(series).items():
        rep.text(
            f"The {scheme} and {twin} curves agree to 1e-6 (relative) at every recorded iteration, so they would "
            f"look like one line: {scheme} is drawn dashed on top of {twin}."
        )
    if dataset.n_x == 2 and dataset.output == "sigmoid":
        limits = MOONS_LIMITS if dataset.name == "moons" else {}
        rep.section("Decision boundaries (training points)")
        rep.figures(
            [
                (
                    f"init_{r.scheme}{'_batch_norm' if r.batch_norm else ''}_boundary.png",
                    network_boundary(
                        r.result.network,
                        dataset.train_X,
                        dataset.train_Y,
                        title=f"{r.label}: train {r.result.train_accuracy:.3f}, test {r.result.test_accuracy:.3f}",
                        **limits,
                    ),
                    r.label,
                )
                for r in study.runs
            ]
        )
    return rep.write(directory)


def depth_figure(profiles, quantity, title):
    """One panel per activation, one line per initializer: ``quantity`` ("activation_std" or
    "grad_norm") over depth, one scale for every panel; zero and non-finite values are left out."""
    activations = list(dict.fromkeys(p.activation for p in profiles))
    fig, axes = new_figure(FULL, ncols=len(activations))
    axes = axes if len(activations) > 1 else [axes]
    scale = shared_scale(*(getattr(p, quantity) for p in profiles))
    for ax, activation in zip(axes, activations):
        for p in profiles:
            if p.activation != activation:
                continue
            values = np.asarray(getattr(p, quantity), dtype=float)
            layers = np.arange(1, len(values) + 1)
            shown = np.isfinite(values) & (values > 0)
            ax.plot(layers[shown], values[shown], marker=".", markersize=3, label=p.label)
        apply_scale(ax, scale, title)
        ax.set_xlabel("layer l")
        integer_ticks(ax)
        ax.set_title(f"{activation}", fontsize=9)
        ax.grid(True, alpha=0.3)
        legend_if_several(ax)
    return fig


def linear_figure(chains):
    """The notes' linear demonstration: output of layer l for W = factor * I."""
    fig, ax = new_figure(HALF)
    for c in chains:
        layers = np.arange(1, len(c.values) + 1)
        ax.plot(layers, c.values, marker="o", markersize=3, label=f"W = {c.factor} I")
    ax.axhline(1.0, color="grey", linewidth=1, linestyle="--")
    apply_scale(ax, shared_scale(*(c.values for c in chains)), "output of layer l (x = ones)")
    ax.set_xlabel("layer l")
    integer_ticks(ax)
    ax.set_title("Linear network, b = 0: the output is factor^l", fontsize=9)
    ax.grid(True, alpha=0.3)
    legend_if_several(ax)
    return fig


def signal_report(profiles, chains, directory, *, setup):
    """Summary table, activation spread and gradient norm over depth, and the linear chain."""
    rep = Report(
        "Vanishing and exploding signals",
        f"{setup['depth']} hidden layers of {setup['width']} units, one forward and backward pass on "
        f"{setup['examples']} random examples, seed {setup['seed']}; normal has standard deviation "
        f"{setup['scale']}",
    )
    if profiles:
        normalized = any(p.batch_norm for p in profiles)  # the batch-norm column, only when measured
        rep.section("Summary")
        rep.table(
            [
                "init",
                *(["batch norm"] if normalized else []),
                "activation",
                "std A[1]",
                f"std A[{len(profiles[0].activation_std) - 1}]",
                "||dW[1]||",
                "||dW[L]||",
                "gradient flags",
                "activation flags",
            ],
            [
                [
                    p.init,
                    *(["yes" if p.batch_norm else "no"] if normalized else []),
                    p.activation,
                    p.activation_std[0],
                    p.activation_std[-2],
                    p.grad_norm[0],
                    p.grad_norm[-1],
                    p.describe_flags("grad"),
                    p.describe_flags("activation"),
                ]
                for p in profiles
            ],
        )
        rep.text(
            f"A layer is flagged when ||dW[l]|| is below 1/{setup['threshold']:g} or above "
            f"{setup['threshold']:g} times the last layer's (gradient flags), or when the spread of its "
            "activations is that far from the input's (activation flags)."
        )
        rep.section("Over depth")
        rep.figures(
            [
                (
                    "signal_activation_std.png",
                    depth_figure(profiles, "activation_std", "std of A[l]"),
                    "standard deviation of the activations per layer",
                ),
                (
                    "signal_grad_norm.png",
                    depth_figure(profiles, "grad_norm", "||dW[l]||"),
                    "norm of the weight gradient per layer",
                ),
            ]
        )
    if chains:
        rep.section("The notes' linear demonstration")
        rep.figures([("linear_chain.png", linear_figure(chains), "W[l] = factor * I, no activation")])
    return rep.write(directory)

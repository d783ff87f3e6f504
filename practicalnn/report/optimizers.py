"""The optimizer study's report: its table, every optimizer's mini-batch cost side by side, the epoch means
on one plot, and the decision boundaries. Built from an ``OptimizerStudy``; nothing is computed here but
the epoch means of the recorded costs (what the course's own plot shows)."""

from __future__ import annotations

import numpy as np

from .figures import FULL, HALF, apply_scale, integer_ticks, legend_if_several, new_figure, shared_scale
from .html import Report
from .plots import network_boundary, plot_costs

#: The study's table, as the CLI prints it.
COLUMNS = ["optimizer", "train accuracy", "dev accuracy", "last batch cost", "iterations to target", "oscillation"]


def _row(r):
    to_target = "-" if r.iterations_to_target is None else r.iterations_to_target
    return [r.optimizer, r.result.train_accuracy, r.result.test_accuracy, r.result.history.cost[-1], to_target,
            r.oscillation]  # fmt: skip


def epoch_means(iterations, costs, per_epoch):
    """``(epochs, mean cost of each epoch's recorded mini-batches)``: the zig-zag averaged out."""
    epochs = np.asarray(iterations) // per_epoch
    costs = np.asarray(costs, dtype=float)
    ends = np.flatnonzero(np.diff(epochs)) + 1
    starts = np.concatenate([[0], ends])
    sums = np.add.reduceat(costs, starts)
    counts = np.diff(np.concatenate([starts, [costs.size]]))
    return epochs[starts], sums / counts


def batch_costs_figure(study):
    """One panel per optimizer, every mini-batch's cost on one shared scale, the target drawn across."""
    runs = study.runs
    fig, axes = new_figure(FULL, ncols=len(runs))
    axes = axes if isinstance(axes, list) else [axes]
    scale = shared_scale(*(r.result.history.cost for r in runs), [study.target_cost])
    top = max(max(r.result.history.cost) for r in runs)
    for ax, r in zip(axes, runs):
        h = r.result.history
        ax.plot(h.iterations, h.cost, linewidth=0.5, label="mini-batch cost")
        ax.axhline(study.target_cost, color="grey", linestyle="--", linewidth=1, label=f"target {study.target_cost:g}")
        if r.iterations_to_target is not None:
            ax.axvline(
                r.iterations_to_target, color="tab:red", linewidth=1, label=f"reached at {r.iterations_to_target}"
            )
        apply_scale(ax, scale, "cost")
        ax.set_ylim(top=top * (1.5 if scale == "log" else 1.05))
        ax.set_xlabel("iteration (mini-batch)")
        integer_ticks(ax)
        ax.set_title(f"{r.optimizer}: oscillation {r.oscillation:.4f}", fontsize=9)
        ax.grid(True, alpha=0.3)
        legend_if_several(ax)
    return fig


def epoch_costs_figure(study, per_epoch):
    series = {r.optimizer: epoch_means(r.result.history.iterations, r.result.history.cost, per_epoch)
              for r in study.runs}  # fmt: skip
    return plot_costs(series, title="Mean mini-batch cost of each epoch, one curve per optimizer", xlabel="epoch",
                      size=HALF)  # fmt: skip


def optimizer_study_report(study, dataset, directory):
    """Write the study's report to ``directory``; returns the index page's path."""
    s, c = study.setup, study.config
    per_epoch = -(-dataset.train_X.shape[1] // c.batch_size)
    normalized = " with batch normalization" if s.get("batch_norm") else ""
    rep = Report(
        f"Optimizer study: {study.dataset}",
        f"layers {s['layer_sizes']}{normalized}, {s['activation']}, {s['init']} init, mini-batches of "
        f"{c.batch_size} ({per_epoch} per epoch), learning rate {c.learning_rate}"
        f"{f', decay {c.decay_rate} per epoch' if c.decay_rate else ''}, {c.iterations // per_epoch} epochs; the "
        f"same initial weights and the same mini-batch order (seed {s['seed']}) for every optimizer",
    )
    rep.section("Results")
    rep.table(COLUMNS, [_row(r) for r in study.runs])
    rep.text(
        f"'iterations to target': the first mini-batch whose cost is at most {study.target_cost:g}. "
        "'oscillation': the mean absolute change of the cost from one mini-batch to the next: how much the cost "
        "differs between two consecutive batches, which grows when a model fits some batches much better than "
        "others. Accuracies are read on the training set and on the dev set."
    )
    rep.section("Cost curves")
    rep.figures(
        [
            ("optimizer_batch_costs.png", batch_costs_figure(study), "the cost of every mini-batch, per optimizer"),
            ("optimizer_epoch_costs.png", epoch_costs_figure(study, per_epoch), "the epoch means, side by side"),
        ]
    )
    if dataset.n_x == 2 and dataset.output == "sigmoid":
        rep.section("Decision boundaries (training points)")
        rep.figures(
            [
                (
                    f"optimizer_{r.optimizer}_boundary.png",
                    network_boundary(
                        r.result.network,
                        dataset.train_X,
                        dataset.train_Y,
                        title=f"{r.optimizer}: train {r.result.train_accuracy:.3f}, dev {r.result.test_accuracy:.3f}",
                    ),
                    r.optimizer,
                )
                for r in study.runs
            ]
        )
    return rep.write(directory)

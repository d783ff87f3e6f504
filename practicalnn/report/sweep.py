"""The sweep report: the grid as heat maps and the regularization path, from a SweepResult."""

from __future__ import annotations

import numpy as np

from .html import Report
from .plots import plt


def heatmap(result, metric="dev_accuracy", *, ax=None, title=None):
    """``metric`` over the grid: keep_prob down the rows, lambda across the columns, values written in."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(1.1 * len(result.l2_values) + 2.5, 0.8 * len(result.keep_values) + 1.8))
    else:
        fig = ax.figure
    grid = result.grid(metric)
    image = ax.imshow(grid, cmap="viridis", aspect="auto")
    ax.set_xticks(range(len(result.l2_values)), [f"{v:g}" for v in result.l2_values])
    ax.set_yticks(range(len(result.keep_values)), [f"{v:g}" for v in result.keep_values])
    ax.set_xlabel("lambda (L2)")
    ax.set_ylabel("keep_prob")
    finite = grid[np.isfinite(grid)]
    middle = (finite.min() + finite.max()) / 2 if finite.size else 0
    for r in range(grid.shape[0]):
        for c in range(grid.shape[1]):
            value = grid[r, c]
            ax.text(
                c,
                r,
                "diverged" if np.isnan(value) else f"{value:.3f}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if np.isnan(value) or value < middle else "black",
            )
    fig.colorbar(image, ax=ax)
    ax.set_title(title or metric.replace("_", " "))
    return fig


def regularization_path(result, *, ax=None, held_out="dev"):
    """Train (dashed) and held-out (solid) accuracy against lambda, one colour per keep_prob;
    ``held_out`` names the held-out set (dev, or test when the dataset has no dev split)."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.0, 4.0))
    else:
        fig = ax.figure
    train, dev = result.grid("train_accuracy"), result.grid("dev_accuracy")
    x = np.arange(len(result.l2_values))
    for r, keep in enumerate(result.keep_values):
        (line,) = ax.plot(x, dev[r], marker="o", label=f"{held_out}, keep_prob {keep:g}")
        ax.plot(x, train[r], marker="s", linestyle="--", color=line.get_color(), label=f"train, keep_prob {keep:g}")
    ax.set_xticks(x, [f"{v:g}" for v in result.l2_values])
    ax.set_xlabel("lambda (L2), evenly spaced")
    ax.set_ylabel("accuracy")
    ax.set_title("Regularization path")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    return fig


def sweep_report(result, directory):
    """Write the sweep's HTML report (table, heat maps, regularization path) into ``directory``."""
    s = result.setup
    rep = Report(
        f"practicalnn sweep: {s['dataset']}",
        f"layers {s['layer_sizes']}, {s['activation']}, init {s['init']}, rng {s['rng']}, learning rate "
        f"{s['learning_rate']}, {s['iterations']} iterations; {len(result.cells)} models on "
        f"{s['workers']} worker process(es); {s['m_train']} training examples, scored on the "
        f"{s['dev_set']} set ({s['m_dev']} examples)",
    )
    classify = any(c.dev_accuracy is not None for c in result.cells)
    if classify:
        rep.section("The grid")
        rep.figures(
            [
                (
                    "heatmap_dev.png",
                    heatmap(result, "dev_accuracy", title=f"{s['dev_set']} accuracy"),
                    f"{s['dev_set']} accuracy per cell",
                ),
                (
                    "heatmap_train.png",
                    heatmap(result, "train_accuracy", title="train accuracy"),
                    "train accuracy per cell",
                ),
                (
                    "regularization_path.png",
                    regularization_path(result, held_out=s["dev_set"]),
                    f"accuracy against lambda; a gap between train and {s['dev_set']} is variance",
                ),
            ]
        )
        best = result.best()
        rep.text(
            f"Best {s['dev_set']} accuracy: {best.dev_accuracy:.4f} at lambda = {best.l2:g}, keep_prob = "
            f"{best.keep_prob:g} (train accuracy {best.train_accuracy:.4f})."
        )
    else:
        rep.section("The grid")
        rep.figures(
            [
                (
                    "heatmap_dev_cost.png",
                    heatmap(result, "dev_cost", title=f"{s['dev_set']} cost"),
                    f"{s['dev_set']} cost per cell",
                )
            ]
        )
    rep.section("Every cell")
    rep.table(
        [
            "lambda",
            "keep_prob",
            "train accuracy",
            f"{s['dev_set']} accuracy",
            "train cost",
            f"{s['dev_set']} cost",
            "stopped",
        ],
        [
            [c.l2, c.keep_prob, c.train_accuracy, c.dev_accuracy, c.train_cost, c.dev_cost, c.stopped]
            for c in result.cells
        ],
    )
    return rep.write(directory)

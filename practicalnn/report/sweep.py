"""The sweep report: the grid as heat maps and the regularization path, from a SweepResult."""

from __future__ import annotations

import numpy as np

from .figures import HALF, PAGE_WIDTH_IN, THIRD, legend_if_several, new_figure, shared_limits
from .html import Report


def heatmap(result, metric="dev_accuracy", *, ax=None, title=None, limits=None):
    """``metric`` over the grid: keep_prob down the rows, lambda across the columns, values written in.
    ``limits`` (vmin, vmax) gives heat maps that are compared one colour scale (``figures.shared_limits``)."""
    fig, ax = new_figure(_heatmap_size(result)) if ax is None else (ax.figure, ax)
    grid = result.grid(metric)
    vmin, vmax = limits or shared_limits(grid)
    image = ax.imshow(grid, cmap="viridis", aspect="auto", vmin=vmin, vmax=vmax)
    ax.set_xticks(range(len(result.l2_values)), [f"{v:g}" for v in result.l2_values])
    ax.set_yticks(range(len(result.keep_values)), [f"{v:g}" for v in result.keep_values])
    ax.set_xlabel("lambda (L2)")
    ax.set_ylabel("keep_prob")
    middle = (vmin + vmax) / 2
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
    ax.set_title(title or metric.replace("_", " "), fontsize=9)
    return fig


def _heatmap_size(result):
    """A third of the page, wider and taller when the grid needs room for its numbers (0.5 inch a cell)."""
    columns, rows = len(result.l2_values), len(result.keep_values)
    return (min(PAGE_WIDTH_IN, max(THIRD[0], 0.5 * columns + 1.9)), max(THIRD[1], 0.32 * rows + 1.3))


def regularization_path(result, *, ax=None, held_out="dev"):
    """Train (dashed) and held-out (solid) accuracy against lambda, one colour per keep_prob;
    ``held_out`` names the held-out set (dev, or test when the dataset has no dev split)."""
    fig, ax = new_figure(HALF) if ax is None else (ax.figure, ax)
    train, dev = result.grid("train_accuracy"), result.grid("dev_accuracy")
    x = np.arange(len(result.l2_values))
    for r, keep in enumerate(result.keep_values):
        (line,) = ax.plot(x, dev[r], marker="o", label=f"{held_out}, keep_prob {keep:g}")
        ax.plot(x, train[r], marker="s", linestyle="--", color=line.get_color(), label=f"train, keep_prob {keep:g}")
    ax.set_xticks(x, [f"{v:g}" for v in result.l2_values])
    ax.set_xlabel("lambda (L2), evenly spaced")
    ax.set_ylabel("accuracy")
    ax.set_title("Regularization path", fontsize=9)
    ax.grid(True, alpha=0.3)
    legend_if_several(ax, ncols=2 if len(result.keep_values) > 2 else 1)
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
        # the two heat maps are read side by side: one colour scale for both
        limits = shared_limits(result.grid("dev_accuracy"), result.grid("train_accuracy"))
        rep.section("The grid")
        rep.figures(
            [
                (
                    "heatmap_dev.png",
                    heatmap(result, "dev_accuracy", title=f"{s['dev_set']} accuracy", limits=limits),
                    f"{s['dev_set']} accuracy per cell (colour scale shared with train)",
                ),
                (
                    "heatmap_train.png",
                    heatmap(result, "train_accuracy", title="train accuracy", limits=limits),
                    f"train accuracy per cell (colour scale shared with {s['dev_set']})",
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
    _cells_table(rep, result, s["dev_set"])
    return rep.write(directory)


def _cells_table(rep, result, held_out):
    rep.table(
        ["lambda", "keep_prob", "train accuracy", f"{held_out} accuracy", "train cost", f"{held_out} cost", "stopped"],
        [
            [c.l2, c.keep_prob, c.train_accuracy, c.dev_accuracy, c.train_cost, c.dev_cost, c.stopped]
            for c in result.cells
        ],
    )

"""The sweep report, and the grid figures it shares with tune's: a two-knob grid as heat maps and the
regularization path (train and held-out scores against one knob, a line per value of the other)."""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib
import numpy as np

from .figures import HALF, PAGE_WIDTH_IN, THIRD, legend_if_several, new_figure, shared_limits
from .html import Report


@dataclass
class GridView:
    """A grid to draw: ``x`` values across (the regularization path's axis), ``y`` values down (a
    line each; ``y_name`` None and ``y_values`` ``[None]`` for a one-knob grid). ``grids`` maps a
    metric to its array of shape (len(y_values), len(x_values)), NaN where a cell has no value; ``blanks``
    (an array of that shape) says what each such cell is, "diverged" when not given."""

    x_name: str
    x_values: list
    y_name: str | None
    y_values: list
    grids: dict
    blanks: np.ndarray | None = None

    def grid(self, metric):
        return np.asarray(self.grids[metric], dtype=float)

    def blank_at(self, r, c):
        return "diverged" if self.blanks is None else str(self.blanks[r, c])


def sweep_view(result):
    """The GridView of a SweepResult: lambda across, keep_prob down."""
    metrics = ("train_accuracy", "dev_accuracy", "train_cost", "dev_cost")
    return GridView(
        "lambda (L2)", result.l2_values, "keep_prob", result.keep_values, {m: result.grid(m) for m in metrics}
    )


def tick(value):
    """A knob's value as a tick label: numbers short (``0.001``, ``1e-05``), words as they are."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g}"
    return str(value)


def heatmap(view, metric="dev_accuracy", *, ax=None, title=None, limits=None):
    """``metric`` over the grid: ``view.y`` down the rows, ``view.x`` across the columns, values written
    in. ``limits`` (vmin, vmax) gives heat maps that are compared one colour scale (``figures.shared_limits``)."""
    fig, ax = new_figure(_heatmap_size(view)) if ax is None else (ax.figure, ax)
    grid = view.grid(metric)
    vmin, vmax = limits or shared_limits(grid)
    # a cell without a value is light grey with dark words (NaN is drawn blank: white words were invisible)
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad="0.85")
    image = ax.imshow(grid, cmap=cmap, aspect="auto", vmin=vmin, vmax=vmax)
    ax.set_xticks(range(len(view.x_values)), [tick(v) for v in view.x_values])
    ax.set_yticks(range(len(view.y_values)), [tick(v) for v in view.y_values] if view.y_name else [""])
    ax.set_xlabel(view.x_name)
    if view.y_name:
        ax.set_ylabel(view.y_name)
    middle = (vmin + vmax) / 2
    for r in range(grid.shape[0]):
        for c in range(grid.shape[1]):
            value = grid[r, c]
            ax.text(
                c,
                r,
                view.blank_at(r, c) if np.isnan(value) else cell_text(value),
                ha="center",
                va="center",
                fontsize=8,
                color="black" if np.isnan(value) or value >= middle else "white",
            )
    fig.colorbar(image, ax=ax)
    ax.set_title(title or metric.replace("_", " "), fontsize=9)
    return fig


def cell_text(value):
    """A heat map cell's number: three decimals (an accuracy, a cost), or three digits when that is long."""
    return f"{value:.3f}" if abs(value) < 1000 else f"{value:.3g}"


def _heatmap_size(view):
    """A third of the page, wider and taller when the grid needs room for its numbers (0.5 inch a cell)."""
    columns, rows = len(view.x_values), len(view.y_values)
    return (min(PAGE_WIDTH_IN, max(THIRD[0], 0.5 * columns + 1.9)), max(THIRD[1], 0.32 * rows + 1.3))


def regularization_path(view, *, ax=None, held_out="dev", metric="accuracy"):
    """Train (dashed) and held-out (solid) ``metric`` (``train_<metric>``, ``dev_<metric>`` of the
    view) against ``view.x``, one colour per value of ``view.y``; ``held_out`` names the held-out set
    (dev, or test when the dataset has no dev split)."""
    fig, ax = new_figure(HALF) if ax is None else (ax.figure, ax)
    train, dev = view.grid(f"train_{metric}"), view.grid(f"dev_{metric}")
    x = np.arange(len(view.x_values))
    for r, value in enumerate(view.y_values):
        which = f", {view.y_name} {tick(value)}" if view.y_name else ""
        (line,) = ax.plot(x, dev[r], marker="o", label=f"{held_out}{which}")
        ax.plot(x, train[r], marker="s", linestyle="--", color=line.get_color(), label=f"train{which}")
    ax.set_xticks(x, [tick(v) for v in view.x_values])
    ax.set_xlabel(f"{view.x_name}, evenly spaced")
    ax.set_ylabel(metric.replace("_", " "))
    ax.set_title("Regularization path", fontsize=9)
    ax.grid(True, alpha=0.3)
    legend_if_several(ax, ncols=2 if len(view.y_values) > 2 else 1)
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
    view = sweep_view(result)
    if classify:
        # the two heat maps are read side by side: one colour scale for both
        limits = shared_limits(result.grid("dev_accuracy"), result.grid("train_accuracy"))
        rep.section("The grid")
        rep.figures(
            [
                (
                    "heatmap_dev.png",
                    heatmap(view, "dev_accuracy", title=f"{s['dev_set']} accuracy", limits=limits),
                    f"{s['dev_set']} accuracy per cell (colour scale shared with train)",
                ),
                (
                    "heatmap_train.png",
                    heatmap(view, "train_accuracy", title="train accuracy", limits=limits),
                    f"train accuracy per cell (colour scale shared with {s['dev_set']})",
                ),
                (
                    "regularization_path.png",
                    regularization_path(view, held_out=s["dev_set"]),
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
                    heatmap(view, "dev_cost", title=f"{s['dev_set']} cost"),
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

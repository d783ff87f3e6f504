"""The figures of a study's report (``report/tune.py``), on the conventions of ``report/figures.py``:
the optimisation history, Optuna's parameter importances, parallel coordinates, and the grid as the
sweep draws it. Optuna's own ``optuna.visualization.matplotlib`` is not used: it draws through pyplot
and calls ``plt.style.use("ggplot")``, which changes every later figure of the process."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from .figures import FULL, HALF, apply_scale, integer_ticks, legend_if_several, new_figure, shared_scale
from .sweep import GridView, tick

#: Fewer complete trials than this say nothing about which knob matters: no importances are drawn.
MIN_FOR_IMPORTANCES = 5
#: Knobs that go across a grid's heat map and along its regularization path, in this order of preference.
PATH_KNOBS = ("l2", "l1", "keep_prob", "input_keep_prob", "learning_rate")


def metric_label(metric):
    return metric.replace("_", " ")


def history_figure(table, metric):
    """The objective of every complete trial by trial number, the best so far, and the pruned trials
    at the value of their last rung."""
    fig, ax = new_figure(HALF)
    done = [r for r in table if r["state"] == "complete" and r["value"] is not None]
    pruned = [r for r in table if r["state"] == "pruned" and r[metric] is not None]
    if pruned:
        xs, ys = [r["trial"] for r in pruned], [r[metric] for r in pruned]
        ax.plot(xs, ys, "x", color="grey", label="pruned (value at its last rung)")
    last = max([r["trial"] for r in table], default=0)
    if done:
        xs = [r["trial"] for r in done]
        ax.plot(xs, [r["value"] for r in done], "o", label="complete trial")
        best = list(np.minimum.accumulate([r["value"] for r in done]))
        ax.step([*xs, last], [*best, best[-1]], where="post", color="C3", label="best so far")  # to the last trial
    values = [r["value"] for r in done] + [r[metric] for r in pruned]
    apply_scale(ax, shared_scale(values), f"{metric_label(metric)} (the objective)")
    ax.set_xlabel("trial")
    ax.set_xlim(-0.5, max(last, 2) + 0.5)  # three whole numbers at least: integer ticks need them
    integer_ticks(ax)
    ax.set_title("Optimisation history", fontsize=9)
    ax.grid(True, alpha=0.3)
    legend_if_several(ax)
    return fig


def importances(study, seed):
    """{knob: importance} by Optuna's fANOVA over the complete trials (seeded: the same figure twice),
    or None when fewer than MIN_FOR_IMPORTANCES trials completed or one knob alone was searched."""
    from optuna.importance import FanovaImportanceEvaluator, get_param_importances
    from optuna.trial import TrialState

    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    searched = {name for t in complete for name in t.params}
    if len(complete) < MIN_FOR_IMPORTANCES or len(searched) < 2:
        return None
    return get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=seed))


def importances_figure(found, metric):
    """A bar per knob, the most important on top."""
    names = sorted(found, key=lambda k: found[k])
    fig, ax = new_figure((HALF[0], max(2.2, 0.35 * len(names) + 1.2)))
    bars = ax.barh(range(len(names)), [found[k] for k in names], color="C0")
    ax.bar_label(bars, fmt="%.2f", padding=3, fontsize=8)
    ax.set_yticks(range(len(names)), names)
    ax.set_xlim(0, 1.12)
    ax.set_xlabel(f"share of the variance of {metric_label(metric)} (fANOVA)")
    ax.set_title("Parameter importances", fontsize=9)
    return fig


def _position(knob, values):
    """Values of ``knob`` (a space Knob) on a 0..1 axis, and the ticks [(position, label)] of that axis."""
    if knob.kind == "choice":
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in knob.values)
        choices, n = (sorted(knob.values) if numbers else list(knob.values)), len(knob.values)
        where = {v: (i / (n - 1) if n > 1 else 0.5) for i, v in enumerate(choices)}
        return [where.get(v, np.nan) for v in values], [(where[v], tick(v)) for v in choices]
    low, high = (float(b) for b in knob.values)
    log = knob.kind in ("log", "logint")
    f = math.log10 if log else float
    span = f(high) - f(low)
    positions = [(f(v) - f(low)) / span if v is not None else np.nan for v in values]
    middle = 10 ** ((f(low) + f(high)) / 2) if log else (low + high) / 2
    return positions, [(0.0, f"{low:.3g}"), (0.5, f"{middle:.3g}"), (1.0, f"{high:.3g}")]


def _objective_position(values):
    """The objective's axis: from the least value (at 0) to the greatest (at 1), on a log scale when
    they span more than a factor 100; one value sits in the middle."""
    lo, hi = min(values), max(values)
    if lo == hi:
        return [0.5] * len(values), [(0.5, f"{lo:.3g}")], False
    log = shared_scale(values) == "log"
    f = math.log10 if log else float
    middle = 10 ** ((f(lo) + f(hi)) / 2) if log else (lo + hi) / 2
    positions = [(f(v) - f(lo)) / (f(hi) - f(lo)) for v in values]
    return positions, [(0.0, f"{lo:.3g}"), (0.5, f"{middle:.3g}"), (1.0, f"{hi:.3g}")], log


def parallel_figure(table, space, metric, best_trial):
    """Parallel coordinates: one vertical axis per searched knob (over its whole range: where the
    search went) and the objective last; a complete trial is a line coloured by its objective, a
    pruned one a grey line through its knobs alone, the best trial red."""
    knobs = sorted(space.searched().items())
    done = [r for r in table if r["state"] == "complete" and r["value"] is not None]
    pruned = [r for r in table if r["state"] == "pruned"]
    fig, ax = new_figure(FULL if len(knobs) > 2 else HALF)
    columns, ticks = [], []
    names = [f"{name} (log scale)" if knob.kind in ("log", "logint") else name for name, knob in knobs]
    for name, knob in knobs:
        positions, marks = _position(knob, [r["params"].get(name) for r in done + pruned])
        columns.append(positions)
        ticks.append(marks)
    k = len(knobs)
    pruned_lines = [[(c, columns[c][len(done) + i]) for c in range(k)] for i in range(len(pruned))]
    ax.add_collection(LineCollection(pruned_lines, colors="0.6", linewidths=0.8, alpha=0.6, zorder=1))
    handles = [Line2D([], [], color="0.6", label="pruned trial")] if pruned else []
    if done:
        objective, marks, log = _objective_position([r["value"] for r in done])
        ticks.append(marks)
        names.append(f"{metric_label(metric)} (log scale)" if log else metric_label(metric))
        lines = [[*((c, columns[c][i]) for c in range(k)), (k, objective[i])] for i in range(len(done))]
        handles += _complete_lines(ax, lines, done, metric, best_trial)
    _axes(ax, ticks, names)
    ax.set_title("Parallel coordinates: each knob over its whole range", fontsize=9)
    ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(0.0, -0.12), ncols=len(handles))
    return fig


def _complete_lines(ax, lines, done, metric, best_trial):
    """The complete trials' lines, coloured by their objective (a colour bar beside), the best one
    red; returns the legend's handles."""
    coloured = LineCollection(lines, cmap="viridis_r", linewidths=1.4, zorder=2)
    coloured.set_array(np.array([r["value"] for r in done]))
    ax.add_collection(coloured)
    if len({r["value"] for r in done}) > 1:
        ax.figure.colorbar(coloured, ax=ax, label=metric_label(metric), pad=0.01)
    colour = matplotlib.colormaps["viridis_r"](0.5)
    handles = [Line2D([], [], color=colour, label=f"complete trial (colour: its {metric_label(metric)})")]
    for line, r in zip(lines, done):
        if r["trial"] == best_trial:
            xs, ys = zip(*line)
            handles += ax.plot(xs, ys, color="C3", linewidth=2.4, zorder=3, label=f"best trial #{best_trial}")
    return handles


_LABEL_BOX = {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8}


def _axes(ax, ticks, names):
    """A vertical axis per column, its values written beside it."""
    for x, marks in enumerate(ticks):
        ax.axvline(x, color="0.25", linewidth=0.8, zorder=0)
        for y, label in marks:
            ax.text(x + 0.03, y, label, fontsize=8, va="center", ha="left", zorder=4, bbox=_LABEL_BOX)
    ax.set_xticks(range(len(names)), names)
    ax.set_xlim(-0.2, len(names) - 0.55)
    ax.set_ylim(-0.06, 1.06)
    ax.set_yticks([])


def grid_view(table, space, metric):
    """The GridView of a grid study over one or two knobs (``PATH_KNOBS`` across), with the train and
    dev ``metric`` of every complete trial; a pruned, failed or missing cell says which. None for a
    grid over more knobs."""
    grid = space.grid()
    if not 1 <= len(grid) <= 2:
        return None
    names = sorted(grid, key=lambda n: (PATH_KNOBS.index(n) if n in PATH_KNOBS else len(PATH_KNOBS), n))
    x_name, y_name = names[0], (names[1] if len(names) == 2 else None)
    xs, ys = grid[x_name], (grid[y_name] if y_name else [None])
    train_metric = metric.replace("dev_", "train_")
    cells = {"dev": np.full((len(ys), len(xs)), np.nan), "train": np.full((len(ys), len(xs)), np.nan)}
    blanks = np.full((len(ys), len(xs)), "not run", dtype=object)
    for r in table:
        p = r["params"]
        if p.get(x_name) not in xs or (y_name and p.get(y_name) not in ys):
            continue
        at = (ys.index(p[y_name]) if y_name else 0, xs.index(p[x_name]))
        blanks[at] = r["state"]
        if r["state"] == "complete":
            cells["dev"][at], cells["train"][at] = r[metric], r[train_metric]
    suffix = metric.replace("dev_", "")
    grids = {f"dev_{suffix}": cells["dev"], f"train_{suffix}": cells["train"]}
    return GridView(x_name, list(xs), y_name, list(ys), grids, blanks=blanks)

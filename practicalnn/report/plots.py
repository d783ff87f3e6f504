"""Figures, built on ``matplotlib.figure.Figure`` (see ``figures``): no pyplot, no global backend.
Every function takes an ``ax`` or makes its own figure, and returns the figure."""

from __future__ import annotations

import matplotlib
import numpy as np

from .figures import HALF, THIRD, apply_scale, duplicate_of, integer_ticks, legend_if_several, new_figure, shared_scale


def _axes(ax, size):
    if ax is None:
        return new_figure(size)
    return ax.figure, ax


def plot_decision_boundary(predict, X, Y, *, ax=None, title=None, xlim=None, ylim=None, step=0.01, size=THIRD):
    """The notebook's picture: predicted class over a grid of the plane, with the points on top.

    ``predict`` maps an (n, 2) array of points to their classes (the notebook's ``model``);
    X is (2, m) and Y (1, m)."""
    fig, ax = _axes(ax, size)
    x_min, x_max = xlim if xlim else (X[0].min() - 1, X[0].max() + 1)
    y_min, y_max = ylim if ylim else (X[1].min() - 1, X[1].max() + 1)
    xx, yy = np.meshgrid(np.arange(x_min, x_max, step), np.arange(y_min, y_max, step))
    Z = np.asarray(predict(np.c_[xx.ravel(), yy.ravel()])).reshape(xx.shape).astype(float)
    # one colour per class, fixed by the class index, so a constant prediction keeps its class's colour
    top = max(1, int(np.nanmax(Z)), int(np.max(Y)))
    cmap = matplotlib.colormaps["Spectral"]
    ax.contourf(xx, yy, Z, levels=np.arange(-0.5, top + 1), cmap=cmap, vmin=0, vmax=top, alpha=0.55)
    ax.scatter(X[0], X[1], c=np.squeeze(Y), cmap=cmap, vmin=0, vmax=top, s=18, edgecolors="k", linewidths=0.4)
    if xlim:
        ax.set_xlim(*xlim)
    if ylim:
        ax.set_ylim(*ylim)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    if title:
        ax.set_title(title, fontsize=9)
    return fig


def network_boundary(network, X, Y, **kwargs):
    """Decision boundary of a trained Network (2 input features)."""
    return plot_decision_boundary(lambda pts: network.predict(pts.T), X, Y, **kwargs)


def plot_costs(series, *, ax=None, title="Cost", scale=None, xlabel="iteration", marks=None, xmax=None, size=HALF):
    """Cost curves: ``series`` maps a label to ``(iterations, costs)``; always a legend, so a lone curve
    is named too. ``marks`` maps a label to an iteration to mark (an early-stopping point, say).
    ``scale`` ("log" or "linear") defaults to what the costs' range calls for (``figures.shared_scale``);
    ``xmax`` extends the iteration axis to where training ended. A curve identical to an earlier one is
    drawn dashed on top of it and says so in the legend."""
    fig, ax = _axes(ax, size)
    twins = duplicate_of(series)
    for label, (its, costs) in series.items():
        style = {"linestyle": "--", "linewidth": 2.2} if label in twins else {}
        shown = f"{label} (identical to {twins[label]})" if label in twins else label
        ax.plot(its, np.asarray(costs, dtype=float), marker="o" if len(its) <= 40 else None, markersize=3,
                label=shown, **style)  # fmt: skip
    for label, it in (marks or {}).items():
        ax.axvline(it, color="grey", linestyle="--", linewidth=1, label=label)
    if xmax is not None:
        ax.set_xlim(right=xmax)
    apply_scale(ax, scale or shared_scale(*(costs for _, costs in series.values())), "cost")
    ax.set_xlabel(xlabel)
    integer_ticks(ax)
    ax.set_title(title, fontsize=9)
    ax.grid(True, alpha=0.3)
    legend_if_several(ax, always=True)
    return fig

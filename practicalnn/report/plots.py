"""Figures. matplotlib with the Agg backend (no display needed); every function takes an ``ax`` or
makes its own figure and returns the figure."""

from __future__ import annotations

import matplotlib

if not matplotlib.get_backend() or matplotlib.get_backend().lower() not in (
    "agg",
    "module://matplotlib_inline.backend_inline",
):
    import os

    if not os.environ.get("DISPLAY"):
        matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def _axes(ax, figsize=(5.0, 4.0)):
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


def plot_decision_boundary(predict, X, Y, *, ax=None, title=None, xlim=None, ylim=None, step=0.01):
    """The notebook's picture: predicted class over a grid of the plane, with the points on top.

    ``predict`` maps an (n, 2) array of points to their classes (the notebook's ``model``);
    X is (2, m) and Y (1, m)."""
    fig, ax = _axes(ax)
    x_min, x_max = xlim if xlim else (X[0].min() - 1, X[0].max() + 1)
    y_min, y_max = ylim if ylim else (X[1].min() - 1, X[1].max() + 1)
    xx, yy = np.meshgrid(np.arange(x_min, x_max, step), np.arange(y_min, y_max, step))
    Z = np.asarray(predict(np.c_[xx.ravel(), yy.ravel()])).reshape(xx.shape).astype(float)
    # one colour per class, fixed by the class index, so a constant prediction keeps its class's colour
    top = max(1, int(np.nanmax(Z)), int(np.max(Y)))
    ax.contourf(xx, yy, Z, levels=np.arange(-0.5, top + 1), cmap=plt.cm.Spectral, vmin=0, vmax=top, alpha=0.55)
    ax.scatter(
        X[0], X[1], c=np.squeeze(Y), cmap=plt.cm.Spectral, vmin=0, vmax=top, s=25, edgecolors="k", linewidths=0.4
    )
    if xlim:
        ax.set_xlim(*xlim)
    if ylim:
        ax.set_ylim(*ylim)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    if title:
        ax.set_title(title)
    return fig


def network_boundary(network, X, Y, **kwargs):
    """Decision boundary of a trained Network (2 input features)."""
    return plot_decision_boundary(lambda pts: network.predict(pts.T), X, Y, **kwargs)


def plot_costs(series, *, ax=None, title="Cost", log=None, xlabel="iteration", marks=None):
    """Cost curves: ``series`` maps a label to ``(iterations, costs)``. ``marks`` maps a label to
    an iteration to mark (an early-stopping point, say). Log scale when costs span decades."""
    fig, ax = _axes(ax, (6.0, 4.0))
    spans = []
    for label, (its, costs) in series.items():
        costs = np.asarray(costs, dtype=float)
        ax.plot(its, costs, marker="o" if len(its) <= 40 else None, markersize=3, label=label)
        finite = costs[np.isfinite(costs) & (costs > 0)]
        if finite.size:
            spans.append((finite.min(), finite.max()))
    for label, it in (marks or {}).items():
        ax.axvline(it, color="grey", linestyle="--", linewidth=1)
        ax.annotate(
            label,
            (it, 1),
            xycoords=("data", "axes fraction"),
            xytext=(3, -12),
            textcoords="offset points",
            fontsize=8,
            color="grey",
        )
    if log is None and spans:
        log = max(s[1] for s in spans) / min(s[0] for s in spans) > 100
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("cost")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    if len(series) > 1 or marks:
        ax.legend(fontsize=8)
    return fig


def save(fig, path, dpi=110):
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return path

"""The figure conventions every report follows, in one place.

* Figures are ``matplotlib.figure.Figure`` objects with their own Agg canvas: no pyplot, so no global
  backend is chosen or changed and no figure is left registered anywhere.
* Sizes: a figure is shown on the page at its natural size (``CSS_PX_PER_INCH`` pixels per inch, never
  shrunk on a 1280-pixel window), and no text is smaller than ``MIN_FONT_PT`` points: at least ~10 pixels.
  ``THIRD`` fits three figures to a row, ``HALF`` two, ``FULL`` one.
* Scales: an axis goes logarithmic when its positive values span more than ``LOG_SPAN`` (a factor of
  100), and says so in its label; figures that are compared share one scale (``shared_scale``).
* Legends whenever an axes holds two lines or more; counts (iterations, steps, layers) get integer ticks.
* Heat maps that are compared share one colour scale (``shared_limits``).
"""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import Formatter, MaxNLocator

#: CSS pixels per inch of figure: a figure ``w`` inches wide is shown ``w * 96`` pixels wide.
CSS_PX_PER_INCH = 96
#: The page's usable width (index.html's body is 1150 px wide with 1em padding), in inches of figure.
PAGE_WIDTH_IN = 11.4
#: No text smaller than this: 8 pt at 96 px per inch is 10.7 px on the page.
MIN_FONT_PT = 8.0
#: Saved at twice the page's resolution, so the PNGs stay sharp on high-density screens.
SAVE_DPI = 2 * CSS_PX_PER_INCH
#: Positive values spanning more than this factor are drawn on a log axis.
LOG_SPAN = 100.0

THIRD = (3.65, 3.0)
HALF = (5.5, 3.8)
FULL = (11.2, 3.6)


def new_figure(size=HALF, ncols=1):
    """A Figure with its own Agg canvas and a row of ``ncols`` axes: ``(figure, axes)`` (a list when
    ``ncols`` > 1). Constrained layout keeps labels inside the figure."""
    if size[0] > PAGE_WIDTH_IN:
        raise ValueError(f"size={size!r}: expected a width of at most {PAGE_WIDTH_IN} inches (the page)")
    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, (list(axes) if ncols > 1 else axes[0])


def log_scale_fits(*value_sets):
    """Whether the positive finite values of all ``value_sets`` together span more than ``LOG_SPAN``."""
    values = np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in value_sets] or [np.empty(0)])
    positive = values[np.isfinite(values) & (values > 0)]
    return bool(positive.size) and positive.max() / positive.min() > LOG_SPAN


def shared_scale(*value_sets):
    """ "log" or "linear": one scale for figures that are compared, chosen from all their values."""
    return "log" if log_scale_fits(*value_sets) else "linear"


def apply_scale(ax, scale, label, axis="y"):
    """Set ``axis``'s scale and a label that states it: "cost (log scale)"."""
    (ax.set_yscale if axis == "y" else ax.set_xscale)(scale)
    (ax.set_ylabel if axis == "y" else ax.set_xlabel)(f"{label} (log scale)" if scale == "log" else label)


class Thousands(Formatter):
    """Counts as written ("800"), or in thousands ("5k", "25k") once the axis reaches 10,000, so that
    five-digit labels do not run into each other on a narrow figure."""

    def __call__(self, x, pos=None):
        if x != 0 and self.axis is not None and max(abs(v) for v in self.axis.get_view_interval()) >= 10_000:
            return f"{x / 1000:g}k"
        return f"{x:g}"


def integer_ticks(ax, axis="x"):
    """Ticks at whole numbers only (iterations, steps, layers are counts), as many as the axis has room for."""
    target = ax.xaxis if axis == "x" else ax.yaxis
    inches = ax.get_position().width * ax.figure.get_figwidth() if axis == "x" else 4.0
    # about one tick per 0.6 inch: room for a four-character label at MIN_FONT_PT and more
    bins = max(3, int(inches / 0.6))
    target.set_major_locator(MaxNLocator(nbins=bins, steps=[1, 2, 5, 10], integer=True, min_n_ticks=3))
    target.set_major_formatter(Thousands())


def shared_limits(*grids):
    """``(vmin, vmax)`` over the finite values of every grid: one colour, one value, across heat maps."""
    values = np.concatenate([np.ravel(np.asarray(g, dtype=float)) for g in grids])
    finite = values[np.isfinite(values)]
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)


def legend_if_several(ax, **kwargs):
    """A legend when ``ax`` holds two labelled lines or more (or ``always``)."""
    always = kwargs.pop("always", False)
    labelled = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    if always or len(labelled) >= 2:
        ax.legend(fontsize=MIN_FONT_PT, **kwargs)


def finish(fig):
    """Raise every text of ``fig`` (tick labels included) to at least ``MIN_FONT_PT``; returns ``fig``."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for label in axis.get_ticklabels(which="both"):
                if label.get_fontsize() < MIN_FONT_PT:
                    axis.set_tick_params(which="both", labelsize=MIN_FONT_PT)
                    break
    for text in fig.findobj(Text):
        if text.get_fontsize() < MIN_FONT_PT:
            text.set_fontsize(MIN_FONT_PT)
    return fig


#: Curves that agree this closely (relative) at every point look like one line on any axis.
SAME_CURVE_RTOL = 1e-6


def duplicate_of(series):
    """For each label whose ``(x, y)`` agrees with an earlier series' to ``SAME_CURVE_RTOL`` at every
    point, the earlier label: such a curve hides under the other one, and a reader must be told."""
    twins = {}
    items = [(label, np.asarray(x, dtype=float), np.asarray(y, dtype=float)) for label, (x, y) in series.items()]
    for i, (label, x, y) in enumerate(items):
        for earlier, x0, y0 in items[:i]:
            if earlier not in twins and x.shape == x0.shape and y.shape == y0.shape and np.array_equal(x, x0):
                if np.allclose(y, y0, rtol=SAME_CURVE_RTOL, atol=0.0, equal_nan=True):
                    twins[label] = earlier
                    break
    return twins


def css_width(fig):
    """The width, in CSS pixels, at which the page shows ``fig``: its natural size."""
    return round(fig.get_figwidth() * CSS_PX_PER_INCH)


def save(fig, path):
    """Write ``fig`` as a PNG at ``SAVE_DPI``; the figure's own canvas, no pyplot."""
    finish(fig)
    fig.savefig(path, dpi=SAVE_DPI)
    return path

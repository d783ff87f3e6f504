"""HTML reports: one self-contained folder, ``index.html`` beside its PNG figures."""

from __future__ import annotations

import html
import os
import tempfile
from pathlib import Path

from .figures import css_width, save

_STYLE = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1150px;
       color: #222; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
.sub { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
td.ok { color: #16794a; font-weight: 600; } td.bad { color: #b00020; font-weight: 600; }
.figs { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; } figure { margin: 0; }
figcaption { font-size: 0.85em; color: #555; text-align: center; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
td.text { text-align: left; }
p.note { color: #444; }
"""


class Report:
    """Build a report section by section, then ``write(directory)``."""

    def __init__(self, title, subtitle=""):
        self.title = title
        self.subtitle = subtitle
        self._parts = []
        self._figures = []  # (filename, figure)

    def section(self, heading):
        self._parts.append(f"<h2>{html.escape(heading)}</h2>")

    def text(self, paragraph):
        self._parts.append(f'<p class="note">{html.escape(paragraph)}</p>')

    def figures(self, items):
        """``items``: (filename, matplotlib figure, caption) side by side, each at its natural size
        (``figures.css_width``), wrapping to the next row when the page is full."""
        cells = []
        for name, fig, caption in items:
            self._figures.append((name, fig))
            width = css_width(fig)
            cells.append(
                f'<figure style="width: {width}px"><img src="{html.escape(name)}" width="{width}" '
                f'alt="{html.escape(caption)}"><figcaption>{html.escape(caption)}</figcaption></figure>'
            )
        self._parts.append(f'<div class="figs">{"".join(cells)}</div>')

    def table(self, headers, rows, status_column=None):
        """A table; cells of ``status_column`` that are True/False are shown as pass/fail."""
        head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
        # a column with words in it is read left to right; numbers stay right-aligned
        text = {i for row in rows for i, cell in enumerate(row) if isinstance(cell, str) and not _numeric(cell)}
        body = []
        for row in rows:
            cells = []
            for i, cell in enumerate(row):
                if i == status_column and isinstance(cell, bool):
                    cells.append(f'<td class="{"ok" if cell else "bad"}">{"match" if cell else "differs"}</td>')
                else:
                    kind = ' class="text"' if i in text else ""
                    cells.append(f"<td{kind}>{html.escape(_cell(cell))}</td>")
            body.append(f"<tr>{''.join(cells)}</tr>")
        self._parts.append(f"<table><tr>{head}</tr>{''.join(body)}</table>")

    def write(self, directory):
        """Write the figures and index.html into ``directory`` (created if needed); the page is
        written last, atomically, so a crash never leaves a page that points at missing figures."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        for name, fig in self._figures:
            save(fig, out / name)
        page = (
            f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(self.title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{html.escape(self.title)}</h1>"
            f"<p class='sub'>{html.escape(self.subtitle)}</p>{''.join(self._parts)}</body></html>"
        )
        fd, tmp = tempfile.mkstemp(dir=out, prefix=".index.", suffix=".html")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(page)
        os.replace(tmp, out / "index.html")
        return out / "index.html"


def _cell(value):
    """Floats to 6 significant digits; pass a string (``repr(x)``) to show every digit."""
    if value is None:
        return "-"
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _numeric(text):
    """Whether a string cell holds a number or stands for a missing one (kept right-aligned)."""
    if text in ("-", ""):
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True

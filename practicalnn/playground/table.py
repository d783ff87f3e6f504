"""The user's CSV: checked on upload, then made into playground data for the columns chosen.

Every column must hold numbers. One column is the label (2 to ``MAX_CLASSES`` distinct values, each a
class); every other column is a feature the network trains on, standardized. Two of the features are
drawn (the heat map's axes, the others held at their training mean). ``csv_columns`` in the settings
is ``[feature on x, feature on y, label]`` as column indices; None is the first two and the last.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np

from ..data.scaling import Standardizer
from ..errors import ConfigError, DataError
from .datasets import split

#: Uploads larger than this are refused (bytes); ``create_app(max_upload=...)`` changes it.
MAX_UPLOAD = 50 * 1024 * 1024
#: The most classes a label may have (the page has a colour for each).
MAX_CLASSES = 8


def _fail(problem):
    raise DataError(f"upload: {problem}")


@dataclass
class Table:
    """An uploaded CSV, checked: every column's name and the numbers, one row per example."""

    name: str
    columns: list
    values: np.ndarray  # (m, number of columns)

    def choose(self, chosen=None):
        """``(x, y, label)`` column indices of ``chosen`` (None: the first two and the last), checked."""
        width = len(self.columns)
        if chosen is None:
            return 0, 1, width - 1
        for which, index in zip(("feature on x", "feature on y", "label"), chosen):
            if not 0 <= index < width:
                raise ConfigError(f"{which} column={index!r}: expected a column index from 0 to {width - 1}")
        if len(set(chosen)) < 3:
            names = ", ".join(repr(self.columns[i]) for i in chosen)
            raise ConfigError(
                f"csv_columns={list(chosen)!r} ({names}): expected two features and a label, all different"
            )
        return tuple(chosen)

    def classes(self, chosen=None):
        """The label column's distinct values, sorted: the classes, checked."""
        label = self.choose(chosen)[2]
        values = np.unique(self.values[:, label])
        name = self.columns[label]
        if len(values) < 2:
            raise DataError(f"label column {name!r} has only one class: expected two or more")
        if len(values) > MAX_CLASSES:
            raise DataError(
                f"label column {name!r} has {len(values)} distinct values: expected at most {MAX_CLASSES} "
                "classes (choose the label column)"
            )
        return values

    def n_classes(self, chosen=None):
        return len(self.classes(chosen))

    def data(self, settings, rng):
        x, y, label = self.choose(settings["csv_columns"])
        classes = self.classes(settings["csv_columns"])
        features = [j for j in range(len(self.columns)) if j != label]
        scaler = Standardizer().fit(self.values[:, features].T)
        X = scaler.transform(self.values[:, features].T)
        Y = np.searchsorted(classes, self.values[:, label])
        return split(
            self.name,
            X,
            Y,
            settings,
            rng,
            feature_names=tuple(self.columns[j] for j in features),
            plot=(features.index(x), features.index(y)),
            class_names=tuple(f"{c:g}" for c in classes),
            standardizer=scaler,
        )


def _rows(raw, limit):
    if len(raw) > limit:
        _fail(f"the file is {len(raw) / 2**20:.1f} MB: expected at most {limit / 2**20:g} MB")
    if not raw.strip():
        _fail("the file is empty: expected a CSV file with a header row and rows of numbers")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        _fail("the file is not text: expected a CSV file (comma-separated numbers, UTF-8)")
    if "\x00" in text:
        _fail("the file is not text: expected a CSV file (comma-separated numbers, UTF-8)")
    try:
        rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    except csv.Error as err:
        _fail(f"not a readable CSV file ({err})")
    if len(rows) < 3 or len(rows[0]) < 3:
        _fail("expected a CSV file with a header row, at least 3 columns and at least 2 rows of numbers")
    return rows


def _not_a_number(header, body):
    for i, row in enumerate(body, start=2):
        for j, cell in enumerate(row):
            try:
                float(cell)
            except ValueError:
                _fail(f"row {i}, column {header[j]!r}: {cell!r} is not a number")


def read_table(name, raw, limit=MAX_UPLOAD):
    """Check an uploaded file: a header, then rows of numbers as wide as the header, in which the
    default label (the last column) has 2 to MAX_CLASSES classes. DataError names the row and
    column at fault."""
    rows = _rows(raw, limit)
    header, body = [c.strip() for c in rows[0]], rows[1:]
    width = len(header)
    for i, row in enumerate(body, start=2):
        if len(row) != width:
            _fail(f"row {i} has {len(row)} values: expected {width}, one per column of the header (a ragged file)")
    try:
        values = np.asarray(body, dtype=float)
    except ValueError:
        _not_a_number(header, body)
    if not np.isfinite(values).all():
        i, j = np.argwhere(~np.isfinite(values))[0]
        _fail(f"row {i + 2}, column {header[j]!r}: {body[i][j]!r}: expected a finite number")
    table = Table(name, header, values)
    try:
        table.classes()
    except DataError as err:
        _fail(f"{err} (the last column is the label until another is chosen)")
    return table

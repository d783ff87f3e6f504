"""The playground's two-feature data: the notebook's moons, four generated shapes, or the user's CSV.

Generated sets are drawn from an explicit ``numpy.random.Generator`` seeded with ``data_seed`` (never
NumPy's global state) and split into train and dev by ``dev_fraction``. Arrays are in the notes'
layout: X (2, m), Y (1, m) with labels 0 and 1.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

from ..data.datasets import load_moons
from ..data.scaling import Standardizer
from ..errors import DataError

#: Uploads larger than this are refused (bytes); ``create_app(max_upload=...)`` changes it.
MAX_UPLOAD = 50 * 1024 * 1024


@dataclass
class PlayData:
    name: str
    train_X: np.ndarray
    train_Y: np.ndarray
    dev_X: np.ndarray
    dev_Y: np.ndarray
    feature_names: tuple = ("x1", "x2")
    standardizer: Standardizer | None = None

    @property
    def bounds(self):
        """(x_min, x_max, y_min, y_max) of all points with a 10% margin: the heat map's extent."""
        X = np.concatenate([self.train_X, self.dev_X], axis=1)
        lo, hi = X.min(axis=1), X.max(axis=1)
        pad = np.maximum((hi - lo) * 0.1, 1e-3)
        return (float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]), float(hi[1] + pad[1]))

    def points(self):
        """The points for the page: ``{"train": [[x1, x2, label], ...], "dev": [...]}``."""

        def rows(X, Y):
            return np.round(np.vstack([X, Y]).T, 4).tolist()

        return {"train": rows(self.train_X, self.train_Y), "dev": rows(self.dev_X, self.dev_Y)}


def _moons(rng, n, noise):
    t = rng.uniform(0, math.pi, n)
    upper = rng.random(n) < 0.5
    x = np.where(upper, np.cos(t), 1 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    return np.vstack([x, y]), upper.astype(float)


def _circles(rng, n, noise):
    t = rng.uniform(0, 2 * math.pi, n)
    inner = rng.random(n) < 0.5
    r = np.where(inner, 0.5, 1.0)
    return np.vstack([r * np.cos(t), r * np.sin(t)]), inner.astype(float)


def _xor(rng, n, noise):
    X = rng.uniform(-1, 1, (2, n))
    return X, ((X[0] > 0) != (X[1] > 0)).astype(float)


def _spirals(rng, n, noise):
    t = np.sqrt(rng.random(n)) * 3 * math.pi
    arm = rng.random(n) < 0.5
    angle = t + np.where(arm, math.pi, 0.0)
    r = t / (3 * math.pi)
    return np.vstack([r * np.cos(angle), r * np.sin(angle)]), arm.astype(float)


def _blobs(rng, n, noise):
    second = rng.random(n) < 0.5
    centre = np.where(second, 0.6, -0.6)
    return rng.normal(0, 0.35, (2, n)) + centre, second.astype(float)


SHAPES = {"moons": _moons, "circles": _circles, "xor": _xor, "spirals": _spirals, "blobs": _blobs}


def _split(name, X, Y, dev_fraction, rng, **extra):
    m = X.shape[1]
    order = rng.permutation(m)
    n_dev = min(m - 1, max(1, round(m * dev_fraction)))
    dev, train = order[:n_dev], order[n_dev:]
    return PlayData(name, X[:, train], Y[None, train], X[:, dev], Y[None, dev], **extra)


def make_data(settings, upload=None):
    """The data of ``settings`` (checked ones): the notebook's moons (its 134/66 split; noise and
    split fixed), a generated shape, or ``upload`` (a ``Table`` the page sent) for "csv"."""
    name = settings["dataset"]
    if name == "notebook_moons":
        d = load_moons()
        return PlayData("notebook_moons", d.train_X, d.train_Y, d.test_X, d.test_Y)
    rng = np.random.default_rng(settings["data_seed"])
    if name == "csv":
        if upload is None:
            raise DataError("dataset='csv': expected a CSV file uploaded first")
        return upload.data(settings["dev_fraction"], rng)
    X, Y = SHAPES[name](rng, settings["n_samples"], settings["noise"])
    X = X + rng.normal(0, settings["noise"] * 0.5, X.shape)  # the noise control: Gaussian jitter
    return _split(name, X, Y, settings["dev_fraction"], rng)


# -- the user's CSV ----------------------------------------------------------------------------------
@dataclass
class Table:
    """An uploaded CSV, checked: a header, numeric rows, and the chosen columns."""

    name: str
    header: list  # the chosen columns' names: feature 1, feature 2, label
    columns: list  # every column's name
    X: np.ndarray  # (2, m), raw
    y: np.ndarray  # (m,), 0/1
    classes: list

    def data(self, dev_fraction, rng):
        scaler = Standardizer().fit(self.X)
        features = tuple(self.header[:2])
        X = scaler.transform(self.X)
        return _split(self.name, X, self.y, dev_fraction, rng, feature_names=features, standardizer=scaler)


def _fail(problem):
    raise DataError(f"upload: {problem}")


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
    if len(rows) < 2 or len(rows[0]) < 3:
        _fail("expected a CSV file with a header row, at least 3 columns and at least 2 rows of numbers")
    return rows


def read_table(name, raw, columns=None, limit=MAX_UPLOAD):
    """Check an uploaded file and pick its columns: ``columns`` is (feature 1, feature 2, label) as
    indices (default: the first two and the last). DataError says what is wrong, row and column named."""
    rows = _rows(raw, limit)
    header, body = [c.strip() for c in rows[0]], rows[1:]
    width = len(header)
    for i, row in enumerate(body, start=2):
        if len(row) != width:
            _fail(f"row {i} has {len(row)} values: expected {width}, one per column of the header (a ragged file)")
    f1, f2, label = columns if columns is not None else (0, 1, width - 1)
    for which, index in (("feature 1", f1), ("feature 2", f2), ("label", label)):
        if not isinstance(index, int) or not 0 <= index < width:
            _fail(f"{which} column={index!r}: expected a column index from 0 to {width - 1}")
    if len({f1, f2, label}) < 3:
        _fail(f"columns {f1}, {f2}, {label}: expected two feature columns and a label column, all different")
    values = np.empty((len(body), 3))
    for i, row in enumerate(body, start=2):
        for j, index in enumerate((f1, f2, label)):
            try:
                values[i - 2, j] = float(row[index])
            except ValueError:
                _fail(f"row {i}, column {header[index]!r}: {row[index]!r} is not a number")
    if not np.isfinite(values).all():
        _fail("the chosen columns hold NaN or inf: expected finite numbers")
    classes = sorted(set(values[:, 2].tolist()))
    if len(classes) != 2:
        what = "only one class" if len(classes) == 1 else f"{len(classes)} classes"
        _fail(f"label column {header[label]!r} has {what}: expected exactly two (a binary label)")
    y = (values[:, 2] == classes[1]).astype(float)
    return Table(name, [header[f1], header[f2], header[label]], header, values[:, :2].T.copy(), y, classes)

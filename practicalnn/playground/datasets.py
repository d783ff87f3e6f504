"""The playground's data: the notebook's moons, five generated shapes, or the user's CSV (``table.py``).

Generated sets are drawn from an explicit ``numpy.random.Generator`` seeded with ``data_seed`` (never
NumPy's global state) and split into train, dev and test by ``dev_fraction`` and ``test_fraction``.
Arrays are in the notes' layout: X (n_features, m), Y (1, m) holding the class indices 0 .. C-1. The
points the user clicked onto the plot (``added``) join the training set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..data.datasets import load_moons
from ..data.scaling import Standardizer
from ..errors import ConfigError, DataError

#: Shapes whose number of classes is a setting (the others have two by their nature).
CLASSED = ("blobs", "spirals")


@dataclass
class PlayData:
    name: str
    train_X: np.ndarray
    train_Y: np.ndarray
    dev_X: np.ndarray
    dev_Y: np.ndarray
    test_X: np.ndarray
    test_Y: np.ndarray
    feature_names: tuple = ("x1", "x2")
    plot: tuple = (0, 1)  # the two features drawn: the heat map's axes
    class_names: tuple = ("0", "1")
    standardizer: Standardizer | None = None

    @property
    def n_features(self):
        return self.train_X.shape[0]

    @property
    def n_classes(self):
        return len(self.class_names)

    def sets(self):
        """``(name, X, Y)`` of train, dev and, when it has examples, test."""
        out = [("train", self.train_X, self.train_Y), ("dev", self.dev_X, self.dev_Y)]
        return out + ([("test", self.test_X, self.test_Y)] if self.test_X.shape[1] else [])

    @property
    def bounds(self):
        """(x_min, x_max, y_min, y_max) of every point's two drawn features with a 10% margin."""
        X = np.concatenate([X for _, X, _ in self.sets()], axis=1)[list(self.plot)]
        lo, hi = X.min(axis=1), X.max(axis=1)
        pad = np.maximum((hi - lo) * 0.1, 1e-3)
        return (float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]), float(hi[1] + pad[1]))

    @property
    def means(self):
        """Each feature's mean over the training set: where the features not drawn sit on the grid."""
        return self.train_X.mean(axis=1)

    def view(self):
        """What the page draws of the data: the bounds, names, classes and ``{"train": [[x1, x2,
        class], ...], "dev": [...], "test": [...]}`` (the two drawn features)."""
        i, j = self.plot
        out = {
            "bounds": self.bounds,
            "names": [self.feature_names[i], self.feature_names[j]],
            "features": list(self.feature_names),
            "classes": list(self.class_names),
        }
        for name in ("train", "dev", "test"):
            X, Y = getattr(self, f"{name}_X"), getattr(self, f"{name}_Y")
            out[name] = np.round(np.vstack([X[[i, j]], Y]).T, 4).tolist()
        return out


# -- the generated shapes: f(rng, n, classes) -> X (2, n), class indices (n,) -----------------------
def _moons(rng, n, classes):
    t = rng.uniform(0, math.pi, n)
    upper = rng.random(n) < 0.5
    x = np.where(upper, np.cos(t), 1 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    return np.vstack([x, y]), upper.astype(float)


def _circles(rng, n, classes):
    t = rng.uniform(0, 2 * math.pi, n)
    inner = rng.random(n) < 0.5
    r = np.where(inner, 0.5, 1.0)
    return np.vstack([r * np.cos(t), r * np.sin(t)]), inner.astype(float)


def _xor(rng, n, classes):
    X = rng.uniform(-1, 1, (2, n))
    return X, ((X[0] > 0) != (X[1] > 0)).astype(float)


def _labels(rng, n, classes):
    """Class indices, equally likely (two classes drawn as before there were more)."""
    return (rng.random(n) < 0.5).astype(int) if classes == 2 else rng.integers(0, classes, n)


def _spirals(rng, n, classes):
    t = np.sqrt(rng.random(n)) * 3 * math.pi
    arm = _labels(rng, n, classes)
    angle = t + arm * (2 * math.pi / classes)
    r = t / (3 * math.pi)
    return np.vstack([r * np.cos(angle), r * np.sin(angle)]), arm.astype(float)


def _blobs(rng, n, classes):
    k = _labels(rng, n, classes)
    if classes == 2:
        centres = np.where(k == 1, 0.6, -0.6)[None, :]
    else:  # on a circle, one blob per class
        angle = 2 * math.pi * k / classes + math.pi / 4
        centres = 0.9 * np.vstack([np.cos(angle), np.sin(angle)])
    return rng.normal(0, 0.35, (2, n)) + centres, k.astype(float)


SHAPES = {"moons": _moons, "circles": _circles, "xor": _xor, "spirals": _spirals, "blobs": _blobs}


def split(name, X, Y, settings, rng, **extra):
    """PlayData of X (n, m) and class indices Y (m,), split at random: dev first, then test, the rest
    is the training set (without a test set, the split the playground has always drawn)."""
    m = X.shape[1]
    order = rng.permutation(m)
    n_dev, n_test = split_sizes(m, settings)
    dev, test, train = order[:n_dev], order[n_dev : n_dev + n_test], order[n_dev + n_test :]
    Y = Y[None, :].astype(float)
    return PlayData(name, X[:, train], Y[:, train], X[:, dev], Y[:, dev], X[:, test], Y[:, test], **extra)


def split_sizes(m, settings):
    """How many of ``m`` examples go to dev and to test."""
    n_dev = min(m - 2, max(1, round(m * settings["dev_fraction"])))
    return n_dev, min(m - 1 - n_dev, round(m * settings["test_fraction"]))


def shape_of(settings, upload=None):
    """``(features, classes, training examples, all examples)`` of the data of ``settings``, known
    before making it."""
    name, added = settings["dataset"], len(settings["added"])
    if name == "notebook_moons":
        return 2, 2, 134 + added, 200 + added
    if name == "csv":
        if upload is None:
            return 2, 2, 1 + added, 3 + added
        m = len(upload.values)
        features, classes = len(upload.columns) - 1, upload.n_classes(settings["csv_columns"])
    else:
        m, features, classes = settings["n_samples"], 2, settings["classes"] if name in CLASSED else 2
    return features, classes, m - sum(split_sizes(m, settings)) + added, m + added


def make_data(settings, upload=None):
    """The data of ``settings`` (checked ones): the notebook's moons (its 134/66 split as train/dev;
    noise and split fixed), a generated shape, or ``upload`` (a ``table.Table``) for "csv"; with
    the added points in the training set."""
    name = settings["dataset"]
    rng = np.random.default_rng(settings["data_seed"])
    if name == "notebook_moons":
        d = load_moons()
        empty = np.zeros((2, 0))
        data = PlayData(name, d.train_X, d.train_Y, d.test_X, d.test_Y, empty, empty[:1])
    elif name == "csv":
        if upload is None:
            raise DataError("dataset='csv': expected a CSV file uploaded first")
        data = upload.data(settings, rng)
    else:
        classes = settings["classes"] if name in CLASSED else 2
        X, Y = SHAPES[name](rng, settings["n_samples"], classes)
        X = X + rng.normal(0, settings["noise"] * 0.5, X.shape)  # the noise control: Gaussian jitter
        data = split(name, X, Y, settings, rng, class_names=tuple(str(k) for k in range(classes)))
    return with_added(data, settings["added"])


def with_added(data, added):
    """``data`` with the clicked points ``[[x1, x2, class], ...]`` (the drawn features; the others at
    their training mean) at the end of its training set."""
    if not added:
        return data
    points = np.asarray(added, float)
    for point in added:  # settings.check_with_data refuses these before they get here
        if point[2] >= data.n_classes:
            raise ConfigError(f"added point={point!r}: expected a class from 0 to {data.n_classes - 1}")
    X = np.repeat(data.means[:, None], len(points), axis=1)
    X[list(data.plot)] = points[:, :2].T
    data.train_X = np.concatenate([data.train_X, X], axis=1)
    data.train_Y = np.concatenate([data.train_Y, points[None, :, 2]], axis=1)
    return data

"""Datasets, laid out as in the notes: X is (n_x, m), Y is (n_y, m)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.random import integer_seed
from ..errors import DataError, argument_error


@dataclass
class Dataset:
    """A train/test pair of (X, Y) in the notes' layout, with what is known about it.

    ``output`` is the output layer the labels call for (sigmoid, softmax or identity);
    ``classes`` maps label indices back to the original labels for classification.
    """

    name: str
    train_X: np.ndarray
    train_Y: np.ndarray
    test_X: np.ndarray
    test_Y: np.ndarray
    output: str = "sigmoid"
    feature_names: list = field(default_factory=list)
    classes: list | None = None
    dev_X: np.ndarray | None = None
    dev_Y: np.ndarray | None = None
    image_shape: tuple | None = None  # (H, W, C) when each column is a flattened image

    @property
    def n_x(self):
        return self.train_X.shape[0]

    @property
    def n_y(self):
        """Output units: 1 for sigmoid, the number of classes for softmax, targets for identity."""
        if self.output == "softmax":
            return len(self.classes)
        return self.train_Y.shape[0]

    def summary(self):
        return {
            "name": self.name,
            "n_features": self.n_x,
            "n_train": self.train_X.shape[1],
            "n_test": self.test_X.shape[1],
            "output": self.output,
        }


#: The notebook's moons as drawn by scikit-learn (``draw_moons``), shipped so that loading them
#: needs no scikit-learn import (most of a short run's start-up time); tests/test_datasets.py
#: checks the file against a fresh draw. To remake it:
#: ``np.savez(MOONS_FILE, **dict(zip(("train_X", "test_X", "train_Y", "test_Y"), draw_moons())))``
MOONS_FILE = Path(__file__).with_name("moons.npz")


def draw_moons():
    """Draw the notebook's moons: make_moons(200, noise=0.2) with NumPy seeded 0 (``random_state=0``
    draws the same points without touching the global state), split by
    train_test_split(test_size=0.33, random_state=42). Returns the notebook's
    ``(train_X, test_X, train_Y, test_Y)`` before its transposes: (134, 2), (66, 2), (134, 1), (66, 1)."""
    import sklearn.datasets
    from sklearn.model_selection import train_test_split

    X, Y = sklearn.datasets.make_moons(200, noise=0.20, random_state=0)
    return tuple(train_test_split(X, Y.reshape(-1, 1), test_size=0.33, random_state=42))


def load_moons():
    """The notebook's moons (see ``draw_moons``): 134 training and 66 test examples, X (2, m)."""
    with np.load(MOONS_FILE, allow_pickle=False) as f:
        train_X, test_X, train_Y, test_Y = (f[k] for k in ("train_X", "test_X", "train_Y", "test_Y"))
    return Dataset("moons", train_X.T, train_Y.T, test_X.T, test_Y.T, "sigmoid", ["x1", "x2"], [0, 1])


def load_circles():
    """The course's initialization-notebook circles: make_circles(300, noise=0.05) drawn with seed
    1 for training and make_circles(100, noise=0.05) with seed 2 for testing."""
    import sklearn.datasets

    train_X, train_Y = sklearn.datasets.make_circles(n_samples=300, noise=0.05, random_state=1)
    test_X, test_Y = sklearn.datasets.make_circles(n_samples=100, noise=0.05, random_state=2)
    return Dataset(
        "circles", train_X.T, train_Y.reshape(1, -1), test_X.T, test_Y.reshape(1, -1), "sigmoid", ["x1", "x2"], [0, 1]
    )


def _split_sklearn(name, X, y, feature_names, output, seed, image_shape=None):
    """Train/dev/test by the notes' ratios (60/20/20 at this size), stratified, seeded."""
    from .splits import train_dev_test_split

    Y = y.reshape(1, -1)
    s = train_dev_test_split(X.T.astype(float), Y, stratify=True, seed=seed)
    return Dataset(
        name,
        s.X_train,
        s.Y_train,
        s.X_test,
        s.Y_test,
        output,
        list(feature_names),
        sorted(np.unique(y).tolist()),
        s.X_dev,
        s.Y_dev,
        image_shape,
    )


def load_digits(seed=0):
    """scikit-learn's 8x8 digits: 1797 images of 64 pixels (0..16), 10 classes, a softmax output;
    split 60/20/20 (stratified, ``seed``). Columns are (8, 8, 1) images flattened row by row."""
    import sklearn.datasets

    d = sklearn.datasets.load_digits()
    return _split_sklearn(
        "digits", d.data, d.target, [f"pixel_{r}_{c}" for r in range(8) for c in range(8)], "softmax", seed, (8, 8, 1)
    )


def load_breast_cancer(seed=0):
    """scikit-learn's Wisconsin breast cancer: 569 examples, 30 features whose scales differ by
    orders of magnitude (area ~ 1e3, smoothness ~ 1e-1), 2 classes (1 = benign), a sigmoid output;
    split 60/20/20 (stratified, ``seed``)."""
    import sklearn.datasets

    d = sklearn.datasets.load_breast_cancer()
    return _split_sklearn("breast_cancer", d.data, d.target, d.feature_names, "sigmoid", seed)


DATASETS = {"moons": load_moons, "circles": load_circles, "digits": load_digits, "breast_cancer": load_breast_cancer}
#: The datasets whose split ``seed`` draws (moons and circles are the notebooks' fixed draws).
SEEDED = {"digits": load_digits, "breast_cancer": load_breast_cancer}


def _number(text):
    try:
        return float(text)
    except ValueError:
        return None


def read_table(path):
    """The header and the data rows of a CSV file (cells stripped, blank rows dropped), every row
    as long as the header; DataError naming the file or line otherwise."""
    path = Path(path)
    if not path.is_file():
        raise argument_error("data", str(path), "an existing CSV file", DataError)
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:  # -sig: a byte-order mark is not a name
            rows = [r for r in csv.reader(fh) if any(cell.strip() for cell in r)]
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise argument_error("data", str(path), f"a readable UTF-8 CSV file ({err})", DataError) from None
    if len(rows) < 2:
        raise argument_error("data", str(path), "a header row and at least one data row", DataError)
    header = [h.strip() for h in rows[0]]
    for r, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise argument_error(
                "data", f"{path.name} line {r}", f"{len(header)} fields like the header, got {len(row)}", DataError
            )
    return header, [[cell.strip() for cell in row] for row in rows[1:]]


def numeric_columns(path, header, rows, columns):
    """The named ``columns`` of ``rows`` as a float array (m, len(columns)); DataError naming the
    line and column of the first cell that is not a finite number."""
    index = [header.index(name) for name in columns]
    X = np.empty((len(rows), len(columns)))
    for r, row in enumerate(rows):
        for c, (i, name) in enumerate(zip(index, columns)):
            number = _number(row[i])
            if number is None or not np.isfinite(number):
                raise argument_error(
                    "data",
                    f"{Path(path).name} line {r + 2}, column {name!r} = {row[i]!r}",
                    "a finite number in every feature column",
                    DataError,
                )
            X[r, c] = number
    return X


def read_csv(path, target):
    """Read a CSV with a header row: numeric feature columns and a ``target`` column.

    Returns ``(X, y, feature_names)`` with X (m, n_features) float and y a 1-D array of the raw
    target values (strings where they are not numbers)."""
    path = Path(path)
    header, rows = read_table(path)
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated or "" in header:
        raise argument_error(
            "data",
            f"{path.name} header {header}",
            f"distinct, non-empty column names (repeated: {repeated})",
            DataError,
        )
    if target not in header:
        raise argument_error("target", target, f"a column of {path.name}: {', '.join(header)}", DataError)
    t = header.index(target)
    features = [h for i, h in enumerate(header) if i != t]
    if not features:
        raise argument_error("data", str(path), "at least one feature column besides the target", DataError)
    X = numeric_columns(path, header, rows, features)
    for r, row in enumerate(rows, start=2):
        if not row[t]:
            raise argument_error(
                "data",
                f"{path.name} line {r}, column {target!r} = {row[t]!r}",
                "a target value in every row",
                DataError,
            )
    y = [row[t] for row in rows]
    numeric = [_number(v) for v in y]
    if all(v is not None for v in numeric):
        y = np.array(numeric)
        if not np.isfinite(y).all():
            raise argument_error("target", target, "finite target values", DataError)
    else:
        y = np.array(y, dtype=object)
    return X, y, features


def load_csv(path, target, *, output="auto", test_size=0.33, seed=0):
    """A CSV as a Dataset: split into train and test (stratified for classification).

    ``output="auto"`` picks sigmoid for two classes, softmax for more (string or integer labels
    with few values) and identity for real-valued targets."""
    seed = integer_seed(seed)
    X, y, features = read_csv(path, target)
    if output == "auto":
        integral = y.dtype != object and np.all(np.mod(y, 1) == 0)
        n_classes = len(np.unique(y))
        if y.dtype == object or (integral and n_classes <= 20):
            output = "sigmoid" if n_classes == 2 else "softmax"
        else:
            output = "identity"
    if output in ("sigmoid", "softmax"):
        classes, codes = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise argument_error("target", target, "at least two classes", DataError)
        if output == "sigmoid" and len(classes) != 2:
            raise argument_error("output", output, f"two classes in {target!r}, found {len(classes)}", DataError)
        Y = codes.reshape(-1, 1)
        stratify = codes
        classes = classes.tolist()
    elif output == "identity":
        if y.dtype == object:
            raise argument_error("target", target, "numbers for a regression (identity) output", DataError)
        Y, stratify, classes = y.reshape(-1, 1).astype(float), None, None
    else:
        raise argument_error("output", output, "auto, sigmoid, softmax or identity")
    if len(Y) < 4:
        raise argument_error("data", str(path), "at least 4 rows to split into train and test", DataError)
    from sklearn.model_selection import train_test_split

    try:
        tr_X, te_X, tr_Y, te_Y = train_test_split(X, Y, test_size=test_size, random_state=seed, stratify=stratify)
    except ValueError:
        tr_X, te_X, tr_Y, te_Y = train_test_split(X, Y, test_size=test_size, random_state=seed)
    return Dataset(Path(path).stem, tr_X.T, tr_Y.T, te_X.T, te_Y.T, output, features, classes)


def load_dataset(name, *, target=None, seed=0):
    """A built-in dataset by name, or a CSV path (with ``target``). ``seed`` draws the split of
    digits, breast_cancer and CSV files (seed 0 gives the default split); moons and circles are
    the notebooks' fixed sets."""
    if name in SEEDED:
        return SEEDED[name](seed)
    if name in DATASETS:
        return DATASETS[name]()
    if str(name).lower().endswith(".csv") or Path(str(name)).exists():
        if target is None:
            raise argument_error("target", None, f"the name of the label column of {name}", DataError)
        return load_csv(name, target, seed=seed)
    raise argument_error(
        "dataset", name, f"one of {', '.join(DATASETS)}, or a CSV path with a target column", DataError
    )

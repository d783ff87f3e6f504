"""Train / dev / test splits (notes 2), in the notes' layout: X is (n_x, m), Y is (n_y, m).

The ratios follow the dataset's size as the notes say: 60/20/20 from 100 to 1,000,000 examples,
98/1/1 above. Fewer than 100 examples is refused unless the caller chooses the ratios: with so
little data the split is a decision, not a default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.random import generator, integer_seed
from ..errors import DataError, argument_error
from ..validation import Interval, Real, check

SMALL, LARGE = 100, 1_000_000
RATIO = Interval(Real, 0, 1)


def default_ratios(m):
    """The notes' ratios for ``m`` examples: (0.6, 0.2, 0.2) for 100..1,000,000, (0.98, 0.01, 0.01) above.

    Raises DataError below 100 examples: give ``ratios`` explicitly then."""
    if m < SMALL:
        raise argument_error(
            "m",
            m,
            f"at least {SMALL} examples for the notes' default ratios; with fewer, "
            "pass ratios=(train, dev, test) explicitly",
            DataError,
        )
    return (0.6, 0.2, 0.2) if m <= LARGE else (0.98, 0.01, 0.01)


def check_ratios(ratios):
    """Validate ``(train, dev, test)``: three numbers >= 0 summing to 1, train and dev > 0."""
    expected = "(train, dev, test): numbers >= 0 that sum to 1, train and dev > 0"
    try:
        values = tuple(RATIO.convert(r) for r in ratios)
    except TypeError:
        raise argument_error("ratios", ratios, expected) from None
    if len(values) != 3 or None in values or abs(sum(values) - 1) > 1e-9 or values[0] <= 0 or values[1] <= 0:
        raise argument_error("ratios", ratios, expected)
    return values


def class_labels(Y):
    """One label per column of Y: the row for (1, m) labels, the argmax for one-hot (K, m)."""
    Y = np.asarray(Y)
    if Y.ndim == 1:
        return Y
    return Y[0] if Y.shape[0] == 1 else np.argmax(Y, axis=0)


@dataclass
class Split:
    """The three parts, each (n_x, m_part) / (n_y, m_part), and the column indices they came from.

    Unpacks as ``X_train, Y_train, X_dev, Y_dev, X_test, Y_test``."""

    X_train: np.ndarray
    Y_train: np.ndarray
    X_dev: np.ndarray
    Y_dev: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray
    indices: dict
    ratios: tuple

    def __iter__(self):
        return iter((self.X_train, self.Y_train, self.X_dev, self.Y_dev, self.X_test, self.Y_test))

    def sizes(self):
        return {part: len(idx) for part, idx in self.indices.items()}


def _counts(n, ratios):
    """How many of ``n`` items go to dev and test (rounded), the rest to train."""
    n_dev = int(round(n * ratios[1]))
    n_test = int(round(n * ratios[2]))
    return n_dev, n_test


def split_indices(m, *, ratios=None, labels=None, seed=0):
    """Column indices of the train, dev and test parts of ``m`` examples.

    With ``labels`` (one per example) every class is split in the same ratios (stratification)."""
    ratios = default_ratios(m) if ratios is None else check_ratios(ratios)
    rng = generator(seed)
    groups = [np.arange(m)] if labels is None else [np.flatnonzero(labels == c) for c in np.unique(labels)]
    parts = {"train": [], "dev": [], "test": []}
    for group in groups:
        group = group[rng.permutation(len(group))]
        n_dev, n_test = _counts(len(group), ratios)
        parts["dev"].append(group[:n_dev])
        parts["test"].append(group[n_dev : n_dev + n_test])
        parts["train"].append(group[n_dev + n_test :])
    out = {}
    for name, chunks in parts.items():
        idx = np.concatenate(chunks)
        out[name] = idx[rng.permutation(len(idx))] if labels is not None else np.sort(idx)
    for name in ("train", "dev"):
        if len(out[name]) == 0:
            raise argument_error("ratios", ratios, f"a {name} part of at least one example out of {m}", DataError)
    return out


def train_dev_test_split(X, Y, *, ratios=None, stratify=False, seed=0):
    """Split (X, Y) column-wise into train, dev and test sets.

    Parameters
    ----------
    X : array (n_x, m)
        Inputs, one column per example.
    Y : array (n_y, m)
        Labels or targets, one column per example.
    ratios : (train, dev, test) or None
        Fractions summing to 1 (test may be 0: a dev set alone is fine, notes 2). None picks the
        notes' ratios from m: 60/20/20 for 100..1,000,000 examples, 98/1/1 above; fewer than 100
        examples then raise DataError.
    stratify : bool
        Split every class of Y in the same ratios (classification labels).
    seed : int or numpy.random.Generator
        The shuffle's randomness.

    Returns
    -------
    Split
        Unpacks as ``X_train, Y_train, X_dev, Y_dev, X_test, Y_test``.
    """
    X, Y = np.asarray(X), np.asarray(Y)
    if Y.ndim == 1:
        Y = Y.reshape(1, -1)
    if X.ndim != 2 or Y.ndim != 2:
        raise argument_error(
            "X", f"array of shape {X.shape}", "a 2-D (n_x, m) array, one column per example", DataError
        )
    m = X.shape[1]
    if Y.shape[1] != m:
        raise argument_error("Y", f"array of shape {Y.shape}", f"{m} columns, one per column of X", DataError)
    labels = class_labels(Y) if stratify else None
    idx = split_indices(m, ratios=ratios, labels=labels, seed=seed)
    used = default_ratios(m) if ratios is None else check_ratios(ratios)
    return Split(
        X[:, idx["train"]],
        Y[:, idx["train"]],
        X[:, idx["dev"]],
        Y[:, idx["dev"]],
        X[:, idx["test"]],
        Y[:, idx["test"]],
        idx,
        used,
    )


def with_dev(dataset, fraction=0.2, *, seed=0, stratify=True):
    """A copy of ``dataset`` whose training set gives up ``fraction`` of its examples to a dev set.

    A dataset that already has a dev set is returned unchanged."""
    import dataclasses

    if getattr(dataset, "dev_X", None) is not None:
        return dataset
    fraction = check("dev_fraction", fraction, Interval(Real, 0, 1, closed="neither"))
    strat = stratify and dataset.output != "identity"
    s = train_dev_test_split(
        dataset.train_X, dataset.train_Y, ratios=(1 - fraction, fraction, 0.0), stratify=strat, seed=seed
    )
    return dataclasses.replace(dataset, train_X=s.X_train, train_Y=s.Y_train, dev_X=s.X_dev, dev_Y=s.Y_dev)


@dataclass
class DistributionCheck:
    """Whether dev and test look drawn from one distribution (notes 2).

    ``auc`` is the cross-validated ROC AUC of a classifier trained to tell dev rows from test
    rows: 0.5 when it cannot, 1.0 when it always can. ``separating`` lists the features that
    separate them most as ``(name, standardized mean difference)``, largest first."""

    auc: float
    fold_aucs: list
    threshold: float
    separating: list
    n_dev: int
    n_test: int

    @property
    def mismatch(self):
        return self.auc > self.threshold

    def message(self):
        if not self.mismatch:
            return f"dev and test look alike (dev-vs-test AUC {self.auc:.3f} <= {self.threshold})"
        names = ", ".join(f"{n} ({d:+.2f} sd)" for n, d in self.separating)
        return (
            f"dev and test look drawn from different distributions: a classifier tells them apart "
            f"with AUC {self.auc:.3f} > {self.threshold}; most separating features: {names}"
        )

    def to_dict(self):
        return {
            "auc": self.auc,
            "fold_aucs": list(self.fold_aucs),
            "threshold": self.threshold,
            "mismatch": self.mismatch,
            "separating": [list(p) for p in self.separating],
            "n_dev": self.n_dev,
            "n_test": self.n_test,
            "message": self.message(),
        }


def same_distribution(X_dev, X_test, *, feature_names=None, threshold=0.7, folds=5, top=3, seed=0):
    """Train a logistic regression to tell dev columns from test columns; report its cross-validated AUC.

    Parameters
    ----------
    X_dev, X_test : arrays (n_x, m_dev), (n_x, m_test)
        The two sets' inputs.
    feature_names : list of str, optional
        Names for the report (x1, x2, ... otherwise).
    threshold : float
        AUC above which the sets are flagged as mismatched (0.7 by default).
    folds : int
        Stratified cross-validation folds (fewer when a set is smaller).
    top : int
        How many separating features to name.
    seed : int
        random_state of the folds.

    Returns
    -------
    DistributionCheck
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X_dev, X_test = np.asarray(X_dev, float), np.asarray(X_test, float)
    if X_dev.ndim != 2 or X_test.ndim != 2 or X_dev.shape[0] != X_test.shape[0]:
        raise argument_error(
            "X_test",
            f"arrays of shapes {X_dev.shape} and {X_test.shape}",
            "two (n_x, m) arrays with the same number of rows",
            DataError,
        )
    n_folds = min(folds, X_dev.shape[1], X_test.shape[1])
    if n_folds < 2:
        raise argument_error(
            "X_test",
            f"{X_dev.shape[1]} dev and {X_test.shape[1]} test examples",
            "at least 2 examples in each set",
            DataError,
        )
    rows = np.concatenate([X_dev, X_test], axis=1).T
    which = np.r_[np.zeros(X_dev.shape[1]), np.ones(X_test.shape[1])]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    cv = StratifiedKFold(n_folds, shuffle=True, random_state=integer_seed(seed))
    aucs = cross_val_score(model, rows, which, cv=cv, scoring="roc_auc")
    names = list(feature_names) if feature_names else [f"x{i + 1}" for i in range(rows.shape[1])]
    pooled = rows.std(axis=0)
    pooled[pooled == 0] = 1.0
    diff = (X_test.mean(axis=1) - X_dev.mean(axis=1)) / pooled
    order = np.argsort(-np.abs(diff))[:top]
    return DistributionCheck(
        float(np.mean(aucs)),
        [float(a) for a in aucs],
        float(threshold),
        [(names[i], float(diff[i])) for i in order],
        X_dev.shape[1],
        X_test.shape[1],
    )

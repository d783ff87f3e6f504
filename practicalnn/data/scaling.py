"""Input normalization (notes 10): zero the mean, then divide by the standard deviation.

The statistics come from the training set only and are reused, unchanged, on dev and test
("USE THE SAME VARIANCE AND MEAN WHEN SCALING THE DEV AND TEST SETS"). The notes write
``X /= variance``: that is a slip, since dividing by the variance leaves a feature with variance
1/variance rather than 1. Dividing by the standard deviation gives every feature variance 1.
A feature that is constant on the training set is only centred (its scale is 1), never divided
by zero.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..errors import DataError, argument_error


class Standardizer:
    """Per-feature standardization of (n_x, m) inputs, fitted on the training set.

    Attributes (after ``fit``)
    --------------------------
    mean_ : array (n_x, 1)
        ``mean = 1/m * sum(x(i))`` over the training columns.
    scale_ : array (n_x, 1)
        The standard deviation ``sqrt(1/m * sum((x(i) - mean)^2))``; 1.0 where it is zero.
    """

    def __init__(self):
        self.mean_ = None
        self.scale_ = None

    def fit(self, X):
        """Learn the mean and standard deviation of each feature (row) of X (n_x, m)."""
        X = _check(X, "X")
        biggest = np.max(np.abs(X), axis=1, keepdims=True)
        with np.errstate(over="ignore", invalid="ignore"):
            mean = X.mean(axis=1, keepdims=True)
            std = np.sqrt(np.mean((X - mean) ** 2, axis=1, keepdims=True))
        huge = ~(np.isfinite(mean) & np.isfinite(std))
        if huge.any():  # features near 1e155 and beyond: their squares overflow; compute them in units of max |x|
            mean[huge[:, 0]], std[huge[:, 0]] = _moments_scaled(X[huge[:, 0]], biggest[huge[:, 0]])
        # a feature constant up to rounding has a std of a few ulps of its magnitude: leave it centred
        tiny = 1e3 * np.finfo(np.float64).eps * biggest
        self.mean_ = mean
        self.scale_ = np.where((std > tiny) & (std > 0), std, 1.0)
        return self

    def transform(self, X):
        """``(X - mean_) / scale_`` with the training statistics (as ``X / scale_ - mean_ / scale_``
        where the difference would overflow: features near the largest float)."""
        self._check_fitted()
        X = _check(X, "X")
        if X.shape[0] != self.mean_.shape[0]:
            raise argument_error(
                "X", f"array of shape {X.shape}", f"{self.mean_.shape[0]} rows, as when fitted", DataError
            )
        with np.errstate(over="ignore", invalid="ignore"):
            out = (X - self.mean_) / self.scale_
        if not np.isfinite(out).all():
            out = X / self.scale_ - self.mean_ / self.scale_
        return out

    def fit_transform(self, X):
        return self.fit(X).transform(X)

    def inverse_transform(self, X):
        """Back to the original units: ``X * scale_ + mean_``."""
        self._check_fitted()
        X = _check(X, "X")
        if X.shape[0] != self.mean_.shape[0]:
            raise argument_error(
                "X", f"array of shape {X.shape}", f"{self.mean_.shape[0]} rows, as when fitted", DataError
            )
        return X * self.scale_ + self.mean_

    def to_dict(self):
        """The fitted statistics as plain lists (for model files)."""
        self._check_fitted()
        return {"kind": "standardizer", "mean": self.mean_.ravel().tolist(), "scale": self.scale_.ravel().tolist()}

    @classmethod
    def from_dict(cls, d):
        """Rebuild a fitted Standardizer from ``to_dict()``'s output."""
        try:
            mean = np.asarray(d["mean"], dtype=float).reshape(-1, 1)
            scale = np.asarray(d["scale"], dtype=float).reshape(-1, 1)
        except (KeyError, TypeError, ValueError):
            raise argument_error("standardizer", d, "a dict with lists 'mean' and 'scale'", DataError) from None
        if (
            mean.shape != scale.shape
            or not np.isfinite(mean).all()
            or not np.isfinite(scale).all()
            or (scale <= 0).any()
        ):
            raise argument_error("standardizer", d, "'mean' and 'scale' of equal length, finite, scale > 0", DataError)
        out = cls()
        out.mean_, out.scale_ = mean, scale
        return out

    def _check_fitted(self):
        if self.mean_ is None:
            raise argument_error("standardizer", "not fitted", "fit(X_train) before transform", DataError)

    def __repr__(self):
        return "Standardizer()" if self.mean_ is None else f"Standardizer(n_x={self.mean_.shape[0]})"


def _moments_scaled(X, biggest):
    """Mean and standard deviation of the rows of X computed on X / max|x| and scaled back: finite
    for any finite X (the std is at most max|x|)."""
    unit = np.where(biggest > 0, biggest, 1.0)
    Xs = X / unit
    mean = Xs.mean(axis=1, keepdims=True)
    return mean * unit, np.sqrt(np.mean((Xs - mean) ** 2, axis=1, keepdims=True)) * unit


def _check(X, argument):
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] == 0:
        raise argument_error(
            argument, f"array of shape {X.shape}", "a 2-D (n_x, m) array with at least one column", DataError
        )
    if not np.issubdtype(X.dtype, np.number) or not np.isfinite(X).all():
        raise argument_error(argument, "an array with NaN, inf or non-numbers", "finite numbers", DataError)
    return X.astype(np.float64, copy=False)


def standardize_dataset(dataset):
    """A copy of ``dataset`` with its train, dev and test inputs standardized by a Standardizer
    fitted on the training inputs only. Returns ``(dataset, standardizer)``."""
    scaler = Standardizer().fit(dataset.train_X)
    changes = {"train_X": scaler.transform(dataset.train_X), "test_X": scaler.transform(dataset.test_X)}
    if getattr(dataset, "dev_X", None) is not None:
        changes["dev_X"] = scaler.transform(dataset.dev_X)
    return dataclasses.replace(dataset, **changes), scaler

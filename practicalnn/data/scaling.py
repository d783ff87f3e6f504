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

from ..errors import DataError, bad
from ..training.callbacks import Callback


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
        self.mean_ = X.mean(axis=1, keepdims=True)
        std = np.sqrt(np.mean((X - self.mean_) ** 2, axis=1, keepdims=True))
        # a feature constant up to rounding has a std of a few ulps of its magnitude: leave it centred
        tiny = 1e3 * np.finfo(np.float64).eps * np.max(np.abs(X), axis=1, keepdims=True)
        self.scale_ = np.where((std > tiny) & (std > 0), std, 1.0)
        return self

    def transform(self, X):
        """``(X - mean_) / scale_`` with the training statistics."""
        self._check_fitted()
        X = _check(X, "X")
        if X.shape[0] != self.mean_.shape[0]:
            raise bad("X", f"array of shape {X.shape}", f"{self.mean_.shape[0]} rows, as when fitted", DataError)
        return (X - self.mean_) / self.scale_

    def fit_transform(self, X):
        return self.fit(X).transform(X)

    def inverse_transform(self, X):
        """Back to the original units: ``X * scale_ + mean_``."""
        self._check_fitted()
        X = _check(X, "X")
        if X.shape[0] != self.mean_.shape[0]:
            raise bad("X", f"array of shape {X.shape}", f"{self.mean_.shape[0]} rows, as when fitted", DataError)
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
            raise bad("standardizer", d, "a dict with lists 'mean' and 'scale'", DataError) from None
        if mean.shape != scale.shape or not np.isfinite(mean).all() or not np.isfinite(scale).all() \
                or (scale <= 0).any():
            raise bad("standardizer", d, "'mean' and 'scale' of equal length, finite, scale > 0", DataError)
        out = cls()
        out.mean_, out.scale_ = mean, scale
        return out

    def _check_fitted(self):
        if self.mean_ is None:
            raise bad("standardizer", "not fitted", "fit(X_train) before transform", DataError)

    def __repr__(self):
        return "Standardizer()" if self.mean_ is None else f"Standardizer(n_x={self.mean_.shape[0]})"


def _check(X, argument):
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] == 0:
        raise bad(argument, f"array of shape {X.shape}", "a 2-D (n_x, m) array with at least one column", DataError)
    if not np.issubdtype(X.dtype, np.number) or not np.isfinite(X).all():
        raise bad(argument, "an array with NaN, inf or non-numbers", "finite numbers", DataError)
    return X.astype(np.float64, copy=False)


def standardize_dataset(dataset):
    """A copy of ``dataset`` with its train, dev and test inputs standardized by a Standardizer
    fitted on the training inputs only. Returns ``(dataset, standardizer)``."""
    scaler = Standardizer().fit(dataset.train_X)
    changes = {"train_X": scaler.transform(dataset.train_X), "test_X": scaler.transform(dataset.test_X)}
    if getattr(dataset, "dev_X", None) is not None:
        changes["dev_X"] = scaler.transform(dataset.dev_X)
    return dataclasses.replace(dataset, **changes), scaler


# -- the demonstration: what normalizing buys (notes 10, "Why normalize?") -------------------------
class _CostTarget(Callback):
    """Callback: every ``every`` iterations, the full training cost (no dropout, no penalty); stop
    at the first check where it is at most ``target``."""

    reason = "target_reached"

    def __init__(self, X, Y, target, every=10):
        self.X, self.Y, self.target, self.every = X, Y, target, every
        self.reached = None
        self.curve = ([], [])

    def on_train_begin(self, trainer):
        self.X = trainer.network.check_X(self.X)
        self.Y = trainer.network.check_Y(self.Y, self.X.shape[1])
        self.on_check(trainer, trainer.iteration)

    def on_check(self, trainer, iteration):
        net = trainer.network
        cost = net.cost(net.forward(self.X), self.Y)[1]
        self.curve[0].append(iteration)
        self.curve[1].append(cost)
        if self.reached is None and cost <= self.target:
            self.reached = iteration
            return True
        return False


def normalization_effect(dataset, *, target_cost=0.1, hidden=(20, 3), activation="relu", init="he", rng=0,
                         config=None, every=10, callbacks_for=None):
    """Train the same network on raw and on standardized inputs; count iterations to ``target_cost``.

    Both runs share everything else (initial weights, learning rate, optimizer) and stop as soon
    as the training cost (unpenalized, checked every ``every`` iterations) is at most
    ``target_cost``, or when ``config.iterations`` are spent.

    Returns
    -------
    dict
        ``{"target_cost": ..., "raw": {...}, "normalized": {...}, "speedup": ...}`` where each
        side has ``iterations_to_target`` (None if never reached), ``final_cost``, ``diverged``
        and its cost ``curve`` as ``{"iterations": [...], "cost": [...]}``.
    """
    from ..errors import TrainingDiverged
    from ..training.trainer import TrainConfig
    from ..workflow import fit_dataset

    if not isinstance(target_cost, (int, float)) or isinstance(target_cost, bool) or not target_cost > 0:
        raise bad("target_cost", target_cost, "a number > 0")
    config = config or TrainConfig()
    normalized, scaler = standardize_dataset(dataset)
    out = {"target_cost": float(target_cost), "budget": config.iterations}
    for side, data in (("raw", dataset), ("normalized", normalized)):
        watch = _CostTarget(data.train_X, data.train_Y, target_cost, every)
        extra = callbacks_for(side) if callbacks_for else []
        diverged = None
        try:
            fit_dataset(data, hidden=hidden, activation=activation, init=init, rng=rng, config=config,
                        callbacks=[watch, *extra])
        except TrainingDiverged as err:
            diverged = err.iteration
        its, costs = watch.curve
        out[side] = {"iterations_to_target": watch.reached, "final_cost": costs[-1] if costs else None,
                     "diverged_at": diverged, "curve": {"iterations": list(its), "cost": list(costs)}}
    raw, norm = out["raw"]["iterations_to_target"], out["normalized"]["iterations_to_target"]
    out["speedup"] = raw / max(norm, 1) if raw is not None and norm is not None else None
    out["feature_scales"] = {"smallest_std": float(np.min(scaler.scale_)), "largest_std": float(np.max(scaler.scale_))}
    return out

"""The data checks and the prediction side of a Network (a base class, so network.py keeps the passes).

Prediction is the forward pass with ``training=False``: no dropout, and batch normalization with its
running averages of mu and sigma^2.
"""

from __future__ import annotations

import numpy as np

from ..errors import DataError, argument_error
from .penalties import Penalty


class Predicting:
    """What ``Network`` does with data: check it, predict, score. Needs ``layer_sizes``, ``dtype``,
    ``output``, ``params``, ``n_layers``, ``forward`` and ``cost``."""

    # -- data --------------------------------------------------------------------------------
    def check_X(self, X, argument="X"):
        try:
            X = np.asarray(X)
        except (ValueError, TypeError):
            raise argument_error(argument, type(X).__name__, "a rectangular 2-D array of numbers", DataError) from None
        if X.ndim != 2:
            raise argument_error(
                argument, f"array of shape {X.shape}", "a 2-D (n_x, m) array, one column per example", DataError
            )
        if X.shape[0] != self.layer_sizes[0]:
            raise argument_error(
                argument,
                f"array of shape {X.shape}",
                f"{self.layer_sizes[0]} rows (features), one column per example",
                DataError,
            )
        if X.shape[1] == 0:
            raise argument_error(argument, f"array of shape {X.shape}", "at least one example (column)", DataError)
        if not np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.complexfloating):
            raise argument_error(argument, f"array of dtype {X.dtype}", "real numbers", DataError)
        # min and max carry a NaN or an inf to the end, so they check every value without a temporary
        # the size of X (np.isfinite(X).all() made one: a quarter of a float32 dataset, every fit)
        if not (np.isfinite(X.min()) and np.isfinite(X.max())):
            raise argument_error(argument, "an array with NaN or inf", "finite numbers", DataError)
        return X.astype(self.dtype, copy=False)

    def check_Y(self, Y, m, argument="Y"):
        Y = self.output.encode(Y, self.layer_sizes[-1])
        if Y.shape[1] != m:
            raise argument_error(argument, f"{Y.shape[1]} examples", f"{m}, one per column of X", DataError)
        if not np.isfinite(Y).all():
            raise argument_error(argument, "labels with NaN or inf", "finite labels", DataError)
        return Y.astype(self.dtype, copy=False)

    # -- prediction ---------------------------------------------------------------------------
    def forward_checked(self, X, argument="X"):
        """The forward pass without dropout, as prediction makes it: ``X`` checked as ``check_X``
        does, and a DataError rather than NaN when finite inputs overflow on the way (values
        around 1e200, say). Returns the Cache."""
        return self._forward_finite(self.check_X(X, argument), argument)

    def _forward_finite(self, X, argument):
        with np.errstate(over="ignore", invalid="ignore"):
            cache = self.forward(X, training=False)
        if not np.isfinite(cache.A[self.n_layers]).all():
            inputs, weights = float(np.abs(X).max()), float(np.abs(self.params).max())
            if weights > max(inputs, 1.0):  # the network, not the data, is out of range
                raise argument_error(
                    "network",
                    f"parameters up to {weights:.3g}",
                    f"parameters small enough for the arithmetic not to overflow on {argument} "
                    f"(values up to {inputs:.3g}); such weights come from a diverging run: "
                    "train again with a smaller learning_rate",
                    DataError,
                )
            raise argument_error(
                argument,
                f"values up to {inputs:.3g}",
                "inputs small enough for the network's arithmetic not to overflow (standardize them)",
                DataError,
            )
        return cache

    def predict_proba(self, X):
        """The output activations A[L] (n_y, m), without dropout (see ``forward_checked``)."""
        return self.forward_checked(X).A[self.n_layers]

    def predict(self, X):
        """Class predictions (1, m): 0/1 for sigmoid, the argmax for softmax; values for identity."""
        return self.output.predict(self.predict_proba(X))

    def accuracy(self, X, Y):
        """Fraction of examples whose prediction equals the label (classification outputs)."""
        X = self.check_X(X)
        Y = self.check_Y(Y, X.shape[1])
        return self.output.accuracy(self._forward_finite(X, "X").A[self.n_layers], Y)

    def evaluate(self, X, Y):
        """``(accuracy, unpenalized cost)`` on data in one forward pass without dropout; the
        accuracy is None for an identity output."""
        X = self.check_X(X)
        Y = self.check_Y(Y, X.shape[1])
        if self.output.name == "identity":
            return None, self.cost(self.forward(X, training=False), Y)[1]
        cache = self._forward_finite(X, "X")
        return self.output.accuracy(cache.A[self.n_layers], Y), self.cost(cache, Y)[1]

    def cost_on(self, X, Y, penalty=None):
        """J (penalised) and unpenalised on data, without dropout."""
        X = self.check_X(X)
        Y = self.check_Y(Y, X.shape[1])
        return self.cost(self.forward(X, training=False), Y, penalty or Penalty())

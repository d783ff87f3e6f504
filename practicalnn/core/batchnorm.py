"""Batch normalization, as the course defines it, forward and backward side by side.

Per hidden layer l, before the activation, over the m examples (columns) of the mini-batch:

    mu      = 1/m * sum_i Z(i)
    sigma^2 = 1/m * sum_i (Z(i) - mu)^2
    Z_norm  = (Z - mu) / sqrt(sigma^2 + epsilon)
    Z_tilde = gamma * Z_norm + beta              (gamma, beta: (n_l, 1), learned; b[l] is dropped)

Backward, with dZ_tilde = dJ/dZ_tilde scaled as the rest of the engine scales it (the 1/m of the cost is
applied where dW is formed, so these are m times the derivative of J):

    dgamma = 1/m * sum_i dZ_tilde * Z_norm
    dbeta  = 1/m * sum_i dZ_tilde
    dZ     = gamma / sqrt(sigma^2 + epsilon) * (dZ_tilde - mean_i(dZ_tilde) - Z_norm * mean_i(dZ_tilde * Z_norm))

At test time mu and sigma^2 are the exponentially weighted averages over the training mini-batches,
``running = decay * running + (1 - decay) * batch`` (the course's estimate), which ``RunningStats`` keeps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import DataError, argument_error
from ..validation import Interval, Real, check

EPSILON = 1e-8
DECAY = 0.9


def check_epsilon(epsilon):
    return check("bn_epsilon", epsilon, Interval(Real, 0, None, closed="neither"))


def check_decay(decay):
    return check("bn_decay", decay, Interval(Real, 0, 1, closed="left"))


def normalized_layers(n_layers, batch_norm):
    """The hidden layers (numbers 1..L-1) that ``batch_norm`` normalizes: False/None for none, True for
    every hidden layer, or one bool per hidden layer. The output layer is never normalized."""
    n_hidden = n_layers - 1
    if batch_norm is None or isinstance(batch_norm, (bool, np.bool_)):
        return tuple(range(1, n_layers)) if batch_norm else ()
    flags = list(batch_norm) if isinstance(batch_norm, (list, tuple, np.ndarray)) else None
    if flags is None or len(flags) != n_hidden or not all(isinstance(f, (bool, np.bool_)) for f in flags):
        raise argument_error("batch_norm", batch_norm, f"True, False or one bool per hidden layer ({n_hidden})")
    return tuple(layer for layer, on in enumerate(flags, start=1) if on)


def require_batch_of_two(m, argument="batch_size"):
    """Refuse, before training starts, a batch of one example: its sigma^2 is 0 (see ``normalize``)."""
    if m < 2:
        raise argument_error(
            argument,
            m,
            "at least 2 examples in every batch with batch normalization (sigma^2 of one example is 0: "
            "the batch would be normalized by epsilon alone)",
            DataError,
        )


@dataclass
class BatchCache:
    """What the forward pass of one normalized layer keeps for its backward pass."""

    Z_norm: np.ndarray
    inv_std: np.ndarray  # 1 / sqrt(sigma^2 + epsilon), (n, 1)
    mu: np.ndarray
    var: np.ndarray


def normalize(Z, gamma, beta, epsilon=EPSILON):
    """Training mode: ``(Z_tilde, BatchCache)`` from the batch's own mean and variance."""
    require_batch_of_two(Z.shape[1])
    mu = np.mean(Z, axis=1, keepdims=True)
    var = np.mean(np.square(Z - mu), axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + epsilon)
    Z_norm = (Z - mu) * inv_std
    return gamma * Z_norm + beta, BatchCache(Z_norm, inv_std, mu, var)


def normalize_inference(Z, gamma, beta, mean, var, epsilon=EPSILON):
    """Test mode: normalize with the running estimates of mu and sigma^2."""
    return gamma * ((Z - mean) / np.sqrt(var + epsilon)) + beta


def normalize_backward(dZ_tilde, gamma, cache):
    """``(dZ, dgamma, dbeta)`` from dZ_tilde (see the module doc for the scaling)."""
    m = dZ_tilde.shape[1]
    dgamma = np.sum(dZ_tilde * cache.Z_norm, axis=1, keepdims=True) / m
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True) / m
    d_norm = dZ_tilde * gamma
    dZ = cache.inv_std * (
        d_norm
        - np.mean(d_norm, axis=1, keepdims=True)
        - cache.Z_norm * np.mean(d_norm * cache.Z_norm, axis=1, keepdims=True)
    )
    return dZ, dgamma, dbeta


class RunningStats:
    """The exponentially weighted averages of each normalized layer's mu and sigma^2 (non-trainable state).

    ``layers`` are the normalized layer numbers; mean starts at 0 and variance at 1, so a network that was
    never trained normalizes as the identity would."""

    def __init__(self, sizes, decay=DECAY, dtype=np.float64):
        self.decay = check_decay(decay)
        self.mean = {layer: np.zeros((n, 1), dtype) for layer, n in sizes.items()}
        self.var = {layer: np.ones((n, 1), dtype) for layer, n in sizes.items()}

    def update(self, layer, cache):
        d = self.decay
        self.mean[layer] = d * self.mean[layer] + (1 - d) * cache.mu
        self.var[layer] = d * self.var[layer] + (1 - d) * cache.var

    def flat(self):
        """``(mean, var)``: every layer's estimates concatenated in layer order (how files store them)."""
        if not self.mean:
            return np.zeros(0), np.zeros(0)
        layers = sorted(self.mean)
        return (
            np.concatenate([self.mean[k].ravel() for k in layers]),
            np.concatenate([self.var[k].ravel() for k in layers]),
        )

    def set_flat(self, mean, var, argument="batch_norm_state"):
        """The inverse of ``flat``: a DataError naming ``argument`` when sizes or values do not fit."""
        layers = sorted(self.mean)
        size = sum(self.mean[k].size for k in layers)
        mean, var = np.asarray(mean), np.asarray(var)
        if mean.shape != (size,) or var.shape != (size,):
            raise argument_error(
                argument, f"arrays of shapes {mean.shape}, {var.shape}", f"two arrays of shape ({size},)", DataError
            )
        if not (np.isfinite(mean).all() and np.isfinite(var).all() and (var >= 0).all()):
            raise argument_error(
                argument,
                "running averages with NaN, inf or a negative variance",
                "finite means and variances >= 0",
                DataError,
            )
        offset = 0
        for k in layers:
            n = self.mean[k].size
            self.mean[k] = mean[offset : offset + n].reshape(-1, 1).astype(self.mean[k].dtype)
            self.var[k] = var[offset : offset + n].reshape(-1, 1).astype(self.var[k].dtype)
            offset += n

    def state(self):
        return {
            "decay": self.decay,
            "mean": {str(k): v.copy() for k, v in self.mean.items()},
            "var": {str(k): v.copy() for k, v in self.var.items()},
        }

    def load(self, state):
        self.decay = check_decay(state["decay"])
        for layer in self.mean:
            mean, var = np.asarray(state["mean"][str(layer)], float), np.asarray(state["var"][str(layer)], float)
            if mean.shape != self.mean[layer].shape or var.shape != self.var[layer].shape:
                raise argument_error(
                    "batch_norm_state",
                    f"layer {layer} of shape {mean.shape}",
                    f"shape {self.mean[layer].shape}",
                    DataError,
                )
            if not (np.isfinite(mean).all() and np.isfinite(var).all() and (var >= 0).all()):
                raise argument_error("batch_norm_state", f"layer {layer}", "finite means and variances >= 0", DataError)
            self.mean[layer], self.var[layer] = mean, var

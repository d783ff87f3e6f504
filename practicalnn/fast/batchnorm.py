"""Batch normalization in the mini-batch kernel: core/batchnorm.py's math, one hidden layer's rows at a time.

A normalized layer ``l`` of ``n`` units keeps, for the batch just passed forward, its Z_norm (in the
``ZN`` buffer, laid out as Z), and its mu, sigma^2 and 1 / sqrt(sigma^2 + epsilon) at entries
``so .. so + n`` of three stats arrays, where ``so`` is the layer's first unit among the normalized
layers' units: the order of ``RunningStats.flat()``, so the running averages are updated in place in
the arrays the trainer hands over. gamma and beta sit where b would, W's ``n * n_prev`` values after
the layer's start in the flat parameters: gamma first, then beta (``core.params``).

Gradients are scaled as the rest of the kernel scales them (dZ carries the cost's factor m): with
``dZ`` the gradient at Z_tilde, dgamma = 1/b sum_i dZ * Z_norm, dbeta = 1/b sum_i dZ, and the
gradient at Z is ``inv_std * (gamma dZ - gamma dbeta - Z_norm gamma dgamma)``: the three terms of
``core.batchnorm.normalize_backward`` (the means of ``gamma dZ`` and of ``gamma dZ Z_norm``).
"""

from __future__ import annotations

import math

import numba as nb

_jit = nb.njit(cache=True, fastmath={"reassoc", "contract", "nsz"})


@_jit
def normalize(Zl, ZNl, gamma, beta, mu, var, inv_std, so, n, b, eps):
    """Training mode, in place: Zl holds W @ A_prev and leaves with Z_tilde; ZNl gets Z_norm and the
    stats arrays this batch's mu, sigma^2 (two passes, as ``np.mean`` of the squared deviations) and
    inverse standard deviation."""
    inv_b = 1.0 / b
    for j in range(n):
        acc = 0.0
        for i in range(b):
            acc += Zl[j, i]
        m_j = acc * inv_b
        acc = 0.0
        for i in range(b):
            d = Zl[j, i] - m_j
            acc += d * d
        v_j = acc * inv_b
        s = 1.0 / math.sqrt(v_j + eps)
        mu[so + j], var[so + j], inv_std[so + j] = m_j, v_j, s
        g, be = gamma[j], beta[j]
        for i in range(b):
            zn = (Zl[j, i] - m_j) * s
            ZNl[j, i] = zn
            Zl[j, i] = g * zn + be


@_jit
def normalize_backward(dZ, ZNl, G, gamma, inv_std, so, gamma_offset, n, b):
    """dZ (the gradient at Z_tilde) becomes the gradient at Z, in place; dgamma and dbeta go to G at
    ``gamma_offset`` and ``gamma_offset + n``."""
    inv_b = 1.0 / b
    for j in range(n):
        sd = 0.0
        sdn = 0.0
        for i in range(b):
            d = dZ[j, i]
            sd += d
            sdn += d * ZNl[j, i]
        dbeta, dgamma = sd * inv_b, sdn * inv_b
        G[gamma_offset + j] = dgamma
        G[gamma_offset + n + j] = dbeta
        g, s = gamma[j], inv_std[so + j]
        m1, m2 = g * dbeta, g * dgamma
        for i in range(b):
            dZ[j, i] = s * (g * dZ[j, i] - m1 - ZNl[j, i] * m2)


@_jit
def update_running(running_mean, running_var, mu, var, decay):
    """The exponentially weighted averages, ``running = decay * running + (1 - decay) * batch``, over
    every normalized unit (``RunningStats.update`` for all layers at once)."""
    for q in range(mu.shape[0]):
        running_mean[q] = decay * running_mean[q] + (1 - decay) * mu[q]
        running_var[q] = decay * running_var[q] + (1 - decay) * var[q]

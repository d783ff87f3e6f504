"""What both compiled kernels share: the finiteness test, the cost, the record of a cost (with the
divergence rule of ``codes.cost_limit``) and the optimizer step. See kernel.py for the layout of the
buffers (rows ``m_padded`` apart, unsigned indices)."""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .codes import COST_GREW, COST_NOT_FINITE, GD, MOMENTUM, OK, OUT_SIGMOID, OUT_SOFTMAX, RMSPROP, cost_limit

_jit = nb.njit(cache=True, fastmath={"reassoc", "contract", "nsz"})
_unsigned = np.uint64


@nb.njit(cache=True)
def _all_finite(a):
    """Whether every value of ``a`` is finite, read from the exponent bits: integer tests that no
    fast-math flag can fold away (the optimizer may assume a float compare never meets inf)."""
    bits = a.view(np.int64)
    bad = 0
    for q in range(_unsigned(bits.shape[0])):  # no early exit: the loop vectorizes
        bad |= ((bits[q] >> 52) & 0x7FF) == 0x7FF
    return bad == 0


@_jit
def _logaddexp0(x):
    """log(1 + exp(x)), as np.logaddexp(0, x) computes it."""
    if x == 0.0:
        return math.log(2.0)
    if x > 0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


@_jit
def _cost(P, sizes, w_offset, a_offset, A, Z, Y, out, l2, l1, m, m_padded):
    """(J, J without penalty), as ``Network.cost`` computes them (from the logits). Rows of A and Z
    are ``m_padded`` apart, rows of Y ``m``."""
    L = sizes.shape[0] - 1
    n = _unsigned(sizes[L])
    zo = a_offset[L]
    total = 0.0
    if out == OUT_SIGMOID:
        for j in range(n):
            for i in range(m):
                y = Y[j * m + i]
                z = Z[zo + j * m_padded + i]
                total += y * _logaddexp0(-z) + (1.0 - y) * _logaddexp0(z)
        unpenalized = 1.0 / m * total
    elif out == OUT_SOFTMAX:
        for i in range(m):
            zmax = Z[zo + i]
            for j in range(_unsigned(1), n):
                zmax = max(zmax, Z[zo + j * m_padded + i])
            s = 0.0
            for j in range(n):
                s += math.exp(Z[zo + j * m_padded + i] - zmax)
            log_norm = zmax + math.log(s)
            for j in range(n):
                total += Y[j * m + i] * (log_norm - Z[zo + j * m_padded + i])
        unpenalized = 1.0 / m * total
    else:
        for j in range(n):
            for i in range(m):
                d = A[zo + j * m_padded + i] - Y[j * m + i]
                total += d * d
        unpenalized = 1.0 / (2 * m) * total
    penalty = 0.0
    if l2 != 0.0:
        sq = 0.0
        for layer in range(1, L + 1):
            for q in range(w_offset[layer], w_offset[layer] + _unsigned(sizes[layer]) * _unsigned(sizes[layer - 1])):
                sq += P[q] * P[q]
        penalty += l2 * sq / (2 * m)
    if l1 != 0.0:
        ab = 0.0
        for layer in range(1, L + 1):
            for q in range(w_offset[layer], w_offset[layer] + _unsigned(sizes[layer]) * _unsigned(sizes[layer - 1])):
                ab += abs(P[q])
        penalty += l1 * ab / (2 * m)
    return unpenalized + penalty, unpenalized


_cost_limit = nb.njit(cache=True)(cost_limit)


@_jit
def _record(rec_it, rec_J, rec_J0, n, it, J, J0, limit):
    """Record iteration ``it``'s costs as record ``n``. Returns ``(status, limit)``: COST_NOT_FINITE,
    COST_GREW when J exceeds ``limit``, else OK; ``limit`` < 0 means the run's first cost is this
    one, and the limit it sets (``codes.cost_limit``) is returned for the records after it."""
    rec_it[n] = it
    rec_J[n] = J
    rec_J0[n] = J0
    if not _all_finite(rec_J[n : n + 1]):
        return COST_NOT_FINITE, limit
    if limit < 0:
        return OK, _cost_limit(J)
    return (COST_GREW if J > limit else OK), limit


@_jit
def _step(P, G, lr, opt, beta1, beta2, eps, v, s, t):
    """One optimizer update of the flat buffer, as the optimizers of training/optimizers.py."""
    size = _unsigned(P.shape[0])
    if opt == GD:
        for q in range(size):
            P[q] -= lr * G[q]
    elif opt == MOMENTUM:
        for q in range(size):
            v[q] *= beta1
            v[q] += (1 - beta1) * G[q]
            P[q] -= lr * v[q]
    elif opt == RMSPROP:
        for q in range(size):
            s[q] *= beta2
            s[q] += (1 - beta2) * (G[q] * G[q])
            P[q] -= lr * G[q] / (math.sqrt(s[q]) + eps)
    else:
        c1 = 1 - beta1**t
        c2 = 1 - beta2**t
        for q in range(size):
            v[q] *= beta1
            v[q] += (1 - beta1) * G[q]
            s[q] *= beta2
            s[q] += (1 - beta2) * (G[q] * G[q])
            P[q] -= lr * (v[q] / c1) / (math.sqrt(s[q] / c2) + eps)

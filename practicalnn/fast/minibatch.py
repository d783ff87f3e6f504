"""The compiled mini-batch path: iterations of one epoch, the matrix products on BLAS, the rest fused.

For networks too large for the fused kernel, the matrix products are the work and BLAS does them
best; what costs time around them is the NumPy glue (a temporary per operation, a pass over the
gradient to scale it, another to check it, two for the update). This kernel keeps the products on
BLAS (``np.dot`` into preallocated arrays) and does the glue in compiled loops, in the reference
order: ``Z = W @ A + b``, ``A = g(Z)``; ``dW = 1/m * (dZ @ A_prev.T)`` (+ penalty), ``db = 1/m * sum dZ``,
``dA = W.T @ dZ``, ``dZ = dA * g'(Z)``; then one optimizer step. Batches are gathered from the data
in place (``X`` may be the transposed view of an (m, n_x) array: no copy of the data is made).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .codes import ADAM, COST_NOT_FINITE, GRAD_NOT_FINITE, LEAKY_RELU, OK, OUT_SIGMOID, OUT_SOFTMAX, RELU, TANH
from .kernel import _all_finite, _cost, _record, _step

_jit = nb.njit(cache=True, fastmath={"reassoc", "contract", "nsz"})


@_jit
def _view(flat, offset, n, k):
    return flat[offset : offset + n * k].reshape(n, k)


@nb.njit(cache=True)
def _all_finite32(a):
    """Float32 twin of kernel._all_finite: exponent bits all ones mean inf or NaN."""
    bits = a.view(np.int32)
    bad = 0
    for q in range(np.uint64(bits.shape[0])):
        bad |= ((bits[q] >> 23) & 0xFF) == 0xFF
    return bad == 0


@_jit
def _offsets(sizes, b):
    """Where W[l] starts in the parameters and A[l], Z[l] in the activation buffers, for batch size b."""
    L = sizes.shape[0] - 1
    woff = np.zeros(L + 1, np.int64)
    aoff = np.zeros(L + 1, np.int64)
    off = 0
    for layer in range(1, L + 1):
        woff[layer] = off
        off += sizes[layer] * (sizes[layer - 1] + 1)
        aoff[layer] = aoff[layer - 1] + sizes[layer - 1] * b
    return woff, aoff


@_jit
def train_batches(
    params,
    sizes,
    X,
    Y,
    perm,
    batch,
    position,
    act,
    slope,
    out,
    lr,
    l2,
    l1,
    opt,
    beta1,
    beta2,
    eps,
    v,
    s,
    t,
    start,
    stop,
    record_every,
    rec_it,
    rec_J,
    rec_J0,
):
    """Run iterations ``start .. stop-1``, all within one epoch whose order is ``perm``; iteration
    ``start`` takes batch number ``position``. Returns ``(iterations_done, status, n_records, t)``
    as ``kernel.train_chunk`` does."""
    L = sizes.shape[0] - 1
    n_x = sizes[0]
    m_all = perm.shape[0]
    width = 0
    total = 0
    for layer in range(L + 1):
        width = max(width, sizes[layer])
        total += sizes[layer]
    dtype = params.dtype
    A = np.empty(total * batch, dtype)
    Z = np.empty(total * batch, dtype)
    Yb = np.empty(sizes[L] * batch, dtype)
    buf_a = np.empty(width * batch, dtype)
    buf_b = np.empty(width * batch, dtype)
    G = np.empty_like(params)
    n_rec = 0
    for it in range(start, stop):
        first = (position + it - start) * batch
        b = min(batch, m_all - first)
        woff, aoff = _offsets(sizes, b)
        # gather the batch: A0 is (n_x, b) in F order, so each example is one contiguous copy
        A0t = _view(A, 0, b, n_x)
        for c in range(b):
            col = perm[first + c]
            for r in range(n_x):
                A0t[c, r] = X[r, col]
            for j in range(sizes[L]):
                Yb[j * b + c] = Y[j, col]
        # forward
        for layer in range(1, L + 1):
            n, n_prev = sizes[layer], sizes[layer - 1]
            W = _view(params, woff[layer], n, n_prev)
            bias = params[woff[layer] + n * n_prev : woff[layer] + n * n_prev + n]
            Zl = _view(Z, aoff[layer], n, b)
            Al = _view(A, aoff[layer], n, b)
            if layer == 1:
                np.dot(W, A0t.T, Zl)
            else:
                np.dot(W, _view(A, aoff[layer - 1], n_prev, b), Zl)
            # Z = W @ A + b, then A = g(Z), in one pass per row (one loop per activation, so each
            # vectorizes). Hidden layers keep Z only for leaky relu: relu' is taken from A (positive
            # exactly where Z is), tanh' and sigmoid' from A as the reference does.
            for j in range(n):
                bj = bias[j]
                if layer == L:
                    for i in range(b):
                        Zl[j, i] = Zl[j, i] + bj
                elif act == RELU:
                    for i in range(b):
                        z = Zl[j, i] + bj
                        Al[j, i] = z if (z > 0 or z != z) else 0.0
                elif act == LEAKY_RELU:
                    for i in range(b):
                        z = Zl[j, i] + bj
                        Zl[j, i] = z
                        Al[j, i] = z if z > 0 else slope * z
                elif act == TANH:
                    for i in range(b):
                        Al[j, i] = math.tanh(Zl[j, i] + bj)
                else:
                    for i in range(b):
                        Al[j, i] = 1.0 / (1.0 + math.exp(-(Zl[j, i] + bj)))
            if layer == L:
                if out == OUT_SIGMOID:
                    for j in range(n):
                        for i in range(b):
                            Al[j, i] = 1.0 / (1.0 + math.exp(-Zl[j, i]))
                elif out == OUT_SOFTMAX:
                    for i in range(b):
                        zmax = Zl[0, i]
                        for j in range(1, n):
                            zmax = max(zmax, Zl[j, i])
                        tot = 0.0
                        for j in range(n):
                            e = math.exp(Zl[j, i] - zmax)
                            Al[j, i] = e
                            tot += e
                        for j in range(n):
                            Al[j, i] = Al[j, i] / tot
                else:
                    for j in range(n):
                        for i in range(b):
                            Al[j, i] = Zl[j, i]
        if it % record_every == 0:
            J, J0 = _cost(
                params,
                sizes,
                woff.astype(np.uint64),
                aoff.astype(np.uint64),
                A,
                Z,
                Yb,
                out,
                l2,
                l1,
                np.uint64(b),
                np.uint64(b),
            )
            n_rec += 1
            if not _record(rec_it, rec_J, rec_J0, n_rec - 1, it, J, J0):
                return it - start, COST_NOT_FINITE, n_rec, t
        # backward
        nL = sizes[L]
        dZ = _view(buf_a, 0, nL, b)
        AL = _view(A, aoff[L], nL, b)
        for j in range(nL):
            for i in range(b):
                dZ[j, i] = AL[j, i] - Yb[j * b + i]
        use_b = True
        inv_b = 1.0 / b
        for layer in range(L, 0, -1):
            n, n_prev = sizes[layer], sizes[layer - 1]
            W = _view(params, woff[layer], n, n_prev)
            dW = _view(G, woff[layer], n, n_prev)
            if layer == 1:
                np.dot(dZ, A0t, dW)
            else:
                np.dot(dZ, _view(A, aoff[layer - 1], n_prev, b).T, dW)
            for j in range(n):
                for k in range(n_prev):
                    dW[j, k] = inv_b * dW[j, k]
                if l2 != 0.0:
                    for k in range(n_prev):
                        dW[j, k] += (l2 * W[j, k]) / b
                if l1 != 0.0:
                    for k in range(n_prev):
                        w = W[j, k]
                        dW[j, k] += l1 / (2 * b) * (1.0 if w > 0 else (-1.0 if w < 0 else 0.0))
                acc = 0.0
                for i in range(b):
                    acc += dZ[j, i]
                G[woff[layer] + n * n_prev + j] = inv_b * acc
            if layer == 1:
                break
            dA = _view(buf_b if use_b else buf_a, 0, n_prev, b)
            use_b = not use_b
            np.dot(W.T, dZ, dA)
            Zp = _view(Z, aoff[layer - 1], n_prev, b)
            A_prev = _view(A, aoff[layer - 1], n_prev, b)
            for k in range(n_prev):
                if act == RELU:
                    for i in range(b):
                        dA[k, i] = dA[k, i] * (1.0 if A_prev[k, i] > 0 else 0.0)
                elif act == LEAKY_RELU:
                    for i in range(b):
                        dA[k, i] = dA[k, i] * (1.0 if Zp[k, i] > 0 else slope)
                elif act == TANH:
                    for i in range(b):
                        a = A_prev[k, i]
                        dA[k, i] = dA[k, i] * (1 - a * a)
                else:
                    for i in range(b):
                        a = A_prev[k, i]
                        dA[k, i] = dA[k, i] * (a * (1 - a))
            dZ = dA
        finite = _all_finite32(G) if G.itemsize == 4 else _all_finite(G)
        if not finite:
            return it - start, GRAD_NOT_FINITE, n_rec, t
        if opt == ADAM:
            t += 1
        _step(params, G, lr, opt, beta1, beta2, eps, v, s, t)
    return stop - start, OK, n_rec, t

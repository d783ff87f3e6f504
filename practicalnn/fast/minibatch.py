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

from . import batchnorm as bn
from .codes import ADAM, GRAD_NOT_FINITE, LEAKY_RELU, OK, OUT_SIGMOID, OUT_SOFTMAX, RELU, TANH
from .shared import _all_finite, _cost, _record, _step

_jit = nb.njit(cache=True, fastmath={"reassoc", "contract", "nsz"})


@_jit
def _view(flat, offset, n, k):
    return flat[offset : offset + n * k].reshape(n, k)


@nb.njit(cache=True)
def _all_finite32(a):
    """Float32 twin of shared._all_finite: exponent bits all ones mean inf or NaN."""
    bits = a.view(np.int32)
    bad = 0
    for q in range(np.uint64(bits.shape[0])):
        bad |= ((bits[q] >> 23) & 0xFF) == 0xFF
    return bad == 0


@_jit
def _offsets(sizes, norm, b):
    """Where W[l] starts in the parameters, A[l], Z[l] in the activation buffers (for batch size b),
    and a normalized layer's first unit in the batch-norm stats (``batchnorm.py``)."""
    L = sizes.shape[0] - 1
    w_offset = np.zeros(L + 1, np.int64)
    a_offset = np.zeros(L + 1, np.int64)
    s_offset = np.zeros(L + 1, np.int64)
    off = 0
    units = 0
    for layer in range(1, L + 1):
        n = sizes[layer]
        w_offset[layer] = off
        off += n * sizes[layer - 1] + (2 * n if norm[layer] else n)
        a_offset[layer] = a_offset[layer - 1] + sizes[layer - 1] * b
        s_offset[layer] = units
        if norm[layer]:
            units += n
    return w_offset, a_offset, s_offset


@_jit
def _gather(A, Yb, X, Y, perm, first, b, n_x, n_y):
    """Copy batch columns ``perm[first : first + b]`` into A0 (n_x, b), F order so that each example
    is one contiguous copy, and their labels into Yb (n_y, b) in C order. Returns the A0 view."""
    A0t = _view(A, 0, b, n_x)
    for c in range(b):
        col = perm[first + c]
        for r in range(n_x):
            A0t[c, r] = X[r, col]
        for j in range(n_y):
            Yb[j * b + c] = Y[j, col]
    return A0t


@_jit
def _hidden_forward(Zl, Al, bias, n, b, act, slope):
    """Z = W @ A + b, then A = g(Z), in one pass per row (one loop per activation, so each
    vectorizes). Z is kept only for leaky relu: relu' is taken from A (positive exactly where Z is),
    tanh' and sigmoid' from A as the reference does."""
    for j in range(n):
        bj = bias[j]
        if act == RELU:
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


@_jit
def _output_forward(Zl, Al, bias, n, b, out):
    """Z[L] = W @ A + b, then the output activation: sigmoid, softmax (per column, shifted by its
    max) or identity."""
    for j in range(n):
        bj = bias[j]
        for i in range(b):
            Zl[j, i] = Zl[j, i] + bj
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


@_jit
def _forward(params, sizes, offsets, A, Z, A0t, b, act, slope, out, norm, ZN, stats, zeros, eps):
    """The forward pass of a batch of ``b`` examples whose input A0t is gathered: products on BLAS.
    A normalized layer's Z_tilde takes the place of ``Z + b`` (``stats``: mu, sigma^2, inv_std)."""
    L = sizes.shape[0] - 1
    w_offset, a_offset, s_offset = offsets
    for layer in range(1, L + 1):
        n, n_prev = sizes[layer], sizes[layer - 1]
        W = _view(params, w_offset[layer], n, n_prev)
        bias = params[w_offset[layer] + n * n_prev : w_offset[layer] + n * n_prev + n]
        Zl = _view(Z, a_offset[layer], n, b)
        Al = _view(A, a_offset[layer], n, b)
        if layer == 1:
            np.dot(W, A0t.T, Zl)
        else:
            np.dot(W, _view(A, a_offset[layer - 1], n_prev, b), Zl)
        if layer == L:
            _output_forward(Zl, Al, bias, n, b, out)
        elif norm[layer]:
            beta = params[w_offset[layer] + n * n_prev + n : w_offset[layer] + n * n_prev + 2 * n]
            mu, var, inv_std = stats
            bn.normalize(Zl, _view(ZN, a_offset[layer], n, b), bias, beta, mu, var, inv_std, s_offset[layer], n, b, eps)
            _hidden_forward(Zl, Al, zeros, n, b, act, slope)
        else:
            _hidden_forward(Zl, Al, bias, n, b, act, slope)


@_jit
def _layer_grads(G, W, dW, dZ, bias_offset, n, n_prev, b, l2, l1, has_bias):
    """dW (already dZ @ A_prev.T) scaled by 1/b with the penalty's gradient, and db = 1/b sum dZ
    (``has_bias``: a normalized layer has none; its dgamma and dbeta are already in G)."""
    inv_b = 1.0 / b
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
        if has_bias:
            acc = 0.0
            for i in range(b):
                acc += dZ[j, i]
            G[bias_offset + j] = inv_b * acc


@_jit
def _hidden_backward(dA, Zp, A_prev, n_prev, b, act, slope):
    """dZ = dA * g'(Z) in place: relu' from A, leaky relu' from Z, tanh' and sigmoid' from A."""
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


@_jit
def _backward(params, G, sizes, offsets, A, Z, A0t, Yb, b, act, slope, l2, l1, buf_a, buf_b, norm, ZN, inv_std):
    """The gradient of the batch into G: dZ[L] = A[L] - Y, then per layer (a normalized one first
    takes dZ back through the normalization) dW, db, dA = W.T @ dZ (products on BLAS) and
    dZ = dA * g'(Z)."""
    L = sizes.shape[0] - 1
    w_offset, a_offset, s_offset = offsets
    nL = sizes[L]
    dZ = _view(buf_a, 0, nL, b)
    AL = _view(A, a_offset[L], nL, b)
    for j in range(nL):
        for i in range(b):
            dZ[j, i] = AL[j, i] - Yb[j * b + i]
    use_b = True
    for layer in range(L, 0, -1):
        n, n_prev = sizes[layer], sizes[layer - 1]
        W = _view(params, w_offset[layer], n, n_prev)
        dW = _view(G, w_offset[layer], n, n_prev)
        bias_offset = w_offset[layer] + n * n_prev
        if norm[layer]:
            gamma = params[bias_offset : bias_offset + n]
            ZNl = _view(ZN, a_offset[layer], n, b)
            bn.normalize_backward(dZ, ZNl, G, gamma, inv_std, s_offset[layer], bias_offset, n, b)
        if layer == 1:
            np.dot(dZ, A0t, dW)
        else:
            np.dot(dZ, _view(A, a_offset[layer - 1], n_prev, b).T, dW)
        _layer_grads(G, W, dW, dZ, bias_offset, n, n_prev, b, l2, l1, not norm[layer])
        if layer == 1:
            break
        dA = _view(buf_b if use_b else buf_a, 0, n_prev, b)
        use_b = not use_b
        np.dot(W.T, dZ, dA)
        Zp = _view(Z, a_offset[layer - 1], n_prev, b)
        _hidden_backward(dA, Zp, _view(A, a_offset[layer - 1], n_prev, b), n_prev, b, act, slope)
        dZ = dA


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
    norm,
    bn_eps,
    bn_decay,
    running_mean,
    running_var,
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
    limit,
    rec_it,
    rec_J,
    rec_J0,
):
    """Run iterations ``start .. stop-1``, all within one epoch whose order is ``perm``; iteration
    ``start`` takes batch number ``position``. Returns ``(iterations_done, status, n_records, t)``
    as ``kernel.train_chunk`` does (``limit`` as there). ``norm[l]`` is 1 for a layer with batch
    normalization; their running averages (``RunningStats.flat()``) are updated in place after
    every step, as ``Network.update_running`` does."""
    L = sizes.shape[0] - 1
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
    ZN = np.empty(total * batch if running_mean.shape[0] else 0, dtype)
    stats = (np.empty_like(running_mean), np.empty_like(running_mean), np.empty_like(running_mean))
    zeros = np.zeros(width, dtype)
    n_rec = 0
    for it in range(start, stop):
        first = (position + it - start) * batch
        b = min(batch, m_all - first)
        offsets = _offsets(sizes, norm, b)
        w_offset, a_offset = offsets[0], offsets[1]
        A0t = _gather(A, Yb, X, Y, perm, first, b, sizes[0], sizes[L])
        _forward(params, sizes, offsets, A, Z, A0t, b, act, slope, out, norm, ZN, stats, zeros, bn_eps)
        if it % record_every == 0:
            u_b = np.uint64(b)
            J, J0 = _cost(
                params, sizes, w_offset.astype(np.uint64), a_offset.astype(np.uint64), A, Z, Yb, out, l2, l1, u_b, u_b
            )
            n_rec += 1
            status, limit = _record(rec_it, rec_J, rec_J0, n_rec - 1, it, J, J0, limit)
            if status != OK:
                return it - start, status, n_rec, t
        _backward(params, G, sizes, offsets, A, Z, A0t, Yb, b, act, slope, l2, l1, buf_a, buf_b, norm, ZN, stats[2])
        finite = _all_finite32(G) if G.itemsize == 4 else _all_finite(G)
        if not finite:
            return it - start, GRAD_NOT_FINITE, n_rec, t
        if opt == ADAM:
            t += 1
        _step(params, G, lr, opt, beta1, beta2, eps, v, s, t)
        bn.update_running(running_mean, running_var, stats[0], stats[1], bn_decay)
    return stop - start, OK, n_rec, t

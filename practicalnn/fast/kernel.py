"""The compiled fused kernel: a chunk of full-batch training iterations of a small network in one call.

It is the reference path (``Network.forward``, ``cost``, ``backward`` and the optimizer's ``step``)
written as loops that Numba compiles once and caches on disk (``cache=True``), so a chunk of
thousands of iterations pays no Python or NumPy call overhead. Every operation is the reference's
(``Z = W @ A + b``; ``A = A * D``, ``A = A / keep_prob``; ``dW = 1/m * dZ @ A_prev.T + lambda/m * W``), so
results agree to rounding: only the order of sums differs (BLAS's order is its own; here the bias
joins the first product of each row, and a relu layer's activation, or its derivative on the way
back, joins the last, which saves passes over memory). ``tests/test_fast.py`` holds it to the
reference within 1e-9 relative.

Every buffer is flat: ``params`` and ``grad`` in the layout of ``ParamLayout`` (W1, b1, W2, b2, ...),
activations ``A`` and pre-activations ``Z`` layer after layer, each (n_l, m_padded) in C order. Rows are
padded from m to m_padded, the next multiple of 8 examples, so every loop over a row runs in whole SIMD
vectors with no scalar remainder (18% faster on the notebook's 134 examples, in an interleaved A/B).
The padding columns of the input are zero and those of dZ are set to zero, so they add exactly
nothing to dW or db (their activations are the network's at input zero: only if those overflowed
float64 would 0 * inf reach the gradient, and the run stop as diverged); the cost and the dropout
masks read only the m real columns. Indices are
unsigned (``np.uint64``): Numba then emits no negative-index wraparound, and LLVM vectorizes the loops
over the examples.

Few, flat functions keep the first-ever compilation short. A register-blocked variant (four rows
of A per pass over a row of Z, four dot products per pass for dW) compiled twice as long, which the
first-run goal (under 10 s, compilation included) cannot afford, and gained no more than padding
alone.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .codes import (
    ADAM,
    GRAD_NOT_FINITE,
    LEAKY_RELU,
    OK,
    OUT_SIGMOID,
    OUT_SOFTMAX,
    RELU,
    TANH,
)
from .shared import _all_finite, _cost, _record, _step

# reassoc lets the reductions (dW, db, the cost) use SIMD lanes; contract allows FMA. No nnan/ninf:
# the kernel must see non-finite values to stop on divergence as the reference does.
_jit = nb.njit(cache=True, fastmath={"reassoc", "contract", "nsz"})
_unsigned = np.uint64  # unsigned indices: no negative-index wraparound code, so loops vectorize


@_jit
def _hidden_activation(A, Z, start, end, act, slope):
    """A = g(Z) over ``start .. end-1`` for the hidden activation ``act``."""
    if act == RELU:
        for q in range(start, end):
            z = Z[q]
            A[q] = z if not (z <= 0) else 0.0
    elif act == LEAKY_RELU:
        for q in range(start, end):
            z = Z[q]
            A[q] = z if z > 0 else slope * z
    elif act == TANH:
        for q in range(start, end):
            A[q] = math.tanh(Z[q])
    else:
        for q in range(start, end):
            A[q] = 1.0 / (1.0 + math.exp(-Z[q]))


# _forward and _backward stay long: their fused relu passes share the loop state of each layer, and
# splitting them further into more compiled functions would add to the first-ever compilation
# (measured: see the engine branch's report) for no clearer reading.
@_jit
def _forward(P, sizes, w_offset, a_offset, A, Z, X, act, slope, out, keep, M, mask_row, mask_offset, m, m_padded):
    """Forward pass: A[0] = X (dropped when keep[0] < 1), then Z = W A + b and A = g(Z) per layer.
    Rows are ``m_padded`` apart (m rounded up to whole vectors); the padding columns of A[0] are zero."""
    L = sizes.shape[0] - 1
    if mask_offset[0] >= 0:
        base = mask_row + _unsigned(mask_offset[0])
        for k in range(_unsigned(sizes[0])):
            for i in range(m):
                A[k * m_padded + i] = (X[k * m + i] * M[base + k * m + i]) / keep[0]
    for layer in range(1, L + 1):
        n, n_prev = _unsigned(sizes[layer]), _unsigned(sizes[layer - 1])
        wo, zo, ap = w_offset[layer], a_offset[layer], a_offset[layer - 1]
        bo = wo + n * n_prev
        # a relu layer without dropout gets its activation in the last pass over each row (one pass
        # fewer over memory), the values of the separate pass below; its Z is not stored, as the
        # backward pass takes relu' from A (relu(z) > 0 exactly where z > 0)
        fuse = layer < L and act == RELU and mask_offset[layer] < 0
        for j in range(n):
            zr = zo + j * m_padded
            w = P[wo + j * n_prev]
            b = P[bo + j]
            if fuse and n_prev == 1:
                for i in range(m_padded):
                    z = w * A[ap + i] + b
                    A[zr + i] = z if not (z <= 0) else 0.0
                continue
            for i in range(m_padded):
                Z[zr + i] = w * A[ap + i] + b
            last = n_prev - _unsigned(1) if fuse else n_prev
            for k in range(_unsigned(1), last):
                w = P[wo + j * n_prev + k]
                ar = ap + k * m_padded
                for i in range(m_padded):
                    Z[zr + i] += w * A[ar + i]
            if fuse:
                w = P[wo + j * n_prev + last]
                ar = ap + last * m_padded
                for i in range(m_padded):
                    z = Z[zr + i] + w * A[ar + i]
                    A[zr + i] = z if not (z <= 0) else 0.0
        end = zo + n * m_padded
        if layer < L:
            if not fuse:  # a fused relu layer got its activation above
                _hidden_activation(A, Z, zo, end, act, slope)
            if mask_offset[layer] >= 0:
                base = mask_row + _unsigned(mask_offset[layer])
                kp = keep[layer]
                for j in range(n):
                    for i in range(m):
                        A[zo + j * m_padded + i] = (A[zo + j * m_padded + i] * M[base + j * m + i]) / kp
        elif out == OUT_SIGMOID:
            for q in range(zo, end):
                A[q] = 1.0 / (1.0 + math.exp(-Z[q]))
        elif out == OUT_SOFTMAX:
            for i in range(m):
                zmax = Z[zo + i]
                for j in range(_unsigned(1), n):
                    zmax = max(zmax, Z[zo + j * m_padded + i])
                total = 0.0
                for j in range(n):
                    e = math.exp(Z[zo + j * m_padded + i] - zmax)
                    A[zo + j * m_padded + i] = e
                    total += e
                for j in range(n):
                    A[zo + j * m_padded + i] = A[zo + j * m_padded + i] / total
        else:
            for q in range(zo, end):
                A[q] = Z[q]


@_jit
def _layer_grads(P, G, dZ, A, wo, ap, n, n_prev, l2, l1, m, m_padded):
    """dW = 1/m dZ A_prev.T (+ the penalty's gradient) and db = 1/m sum dZ of the layer whose W starts
    at ``wo`` and whose input A_prev at ``ap``, into G."""
    inv_m = 1.0 / m
    bo = wo + n * n_prev
    for j in range(n):
        zr = j * m_padded
        for k in range(n_prev):
            ar = ap + k * m_padded
            acc = 0.0
            for i in range(m_padded):
                acc += dZ[zr + i] * A[ar + i]
            g = inv_m * acc
            w = P[wo + j * n_prev + k]
            if l2 != 0.0:
                g += (l2 * w) / m
            if l1 != 0.0:
                g += l1 / (2 * m) * (1.0 if w > 0 else (-1.0 if w < 0 else 0.0))
            G[wo + j * n_prev + k] = g
        acc = 0.0
        for i in range(m_padded):
            acc += dZ[zr + i]
        G[bo + j] = inv_m * acc


@_jit
def _hidden_derivative(dA, Z, A, ap, size, act, slope, dropped):
    """dZ = dA * g'(Z) in place, over the ``size`` values of the hidden layer at ``ap``; tanh' and
    sigmoid' from the activation before dropout, as the reference: g(Z) again when the layer was
    dropped (A then holds the dropped values)."""
    if act == RELU:
        for q in range(size):
            dA[q] = dA[q] * (1.0 if Z[ap + q] > 0 else 0.0)
    elif act == LEAKY_RELU:
        for q in range(size):
            dA[q] = dA[q] * (1.0 if Z[ap + q] > 0 else slope)
    elif act == TANH:
        for q in range(size):
            a = math.tanh(Z[ap + q]) if dropped else A[ap + q]
            dA[q] = dA[q] * (1 - a * a)
    else:
        for q in range(size):
            a = 1.0 / (1.0 + math.exp(-Z[ap + q])) if dropped else A[ap + q]
            dA[q] = dA[q] * (a * (1 - a))


@_jit  # long for the reason given above _forward
def _backward(
    P,
    G,
    sizes,
    w_offset,
    a_offset,
    A,
    Z,
    Y,
    act,
    slope,
    l2,
    l1,
    keep,
    M,
    mask_row,
    mask_offset,
    m,
    m_padded,
    buf_a,
    buf_b,
):
    """Backward pass into G: dZ[L] = A[L] - Y (zero in the padding columns, so they add nothing), then
    per layer dW, db and dA = W.T dZ, masked and scaled as in the forward pass, and dZ = dA * g'(Z)
    (tanh and sigmoid from the activation before dropout)."""
    L = sizes.shape[0] - 1
    n = _unsigned(sizes[L])
    zo = a_offset[L]
    dZ, dA = buf_a, buf_b
    for j in range(n):
        for i in range(m):
            dZ[j * m_padded + i] = A[zo + j * m_padded + i] - Y[j * m + i]
        for i in range(m, m_padded):
            dZ[j * m_padded + i] = 0.0
    for layer in range(L, 0, -1):
        n, n_prev = _unsigned(sizes[layer]), _unsigned(sizes[layer - 1])
        wo, ap = w_offset[layer], a_offset[layer - 1]
        _layer_grads(P, G, dZ, A, wo, ap, n, n_prev, l2, l1, m, m_padded)
        if layer == 1:
            break
        # below a relu layer without dropout, relu' joins the last pass over each row of dA (one pass
        # fewer over memory), read from A since the forward pass stored no Z for such a layer; the
        # values are those of the separate pass below
        fuse = act == RELU and mask_offset[layer - 1] < 0
        if fuse and n == 1:
            for k in range(n_prev):
                w = P[wo + k]
                for i in range(m_padded):
                    dA[k * m_padded + i] = (w * dZ[i]) * (1.0 if A[ap + k * m_padded + i] > 0 else 0.0)
        else:
            for k in range(n_prev):
                w = P[wo + k]
                for i in range(m_padded):
                    dA[k * m_padded + i] = w * dZ[i]
            last = n - _unsigned(1) if fuse else n
            for j in range(_unsigned(1), last):
                for k in range(n_prev):
                    w = P[wo + j * n_prev + k]
                    zr = j * m_padded
                    for i in range(m_padded):
                        dA[k * m_padded + i] += w * dZ[zr + i]
            if fuse:
                zr = last * m_padded
                for k in range(n_prev):
                    w = P[wo + last * n_prev + k]
                    for i in range(m_padded):
                        dA[k * m_padded + i] = (dA[k * m_padded + i] + w * dZ[zr + i]) * (
                            1.0 if A[ap + k * m_padded + i] > 0 else 0.0
                        )
        if fuse:
            dZ, dA = dA, dZ
            continue
        if mask_offset[layer - 1] >= 0:
            base = mask_row + _unsigned(mask_offset[layer - 1])
            kp = keep[layer - 1]
            for k in range(n_prev):
                for i in range(m):
                    dA[k * m_padded + i] = (dA[k * m_padded + i] * M[base + k * m + i]) / kp
        _hidden_derivative(dA, Z, A, ap, n_prev * m_padded, act, slope, mask_offset[layer - 1] >= 0)
        dZ, dA = dA, dZ


@_jit
def train_chunk(
    params,
    sizes,
    X,
    Y,
    act,
    slope,
    out,
    lr0,
    decay,
    l2,
    l1,
    keep,
    masks,
    mask_offset,
    fixed_masks,
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
    """Run iterations ``start .. stop-1`` of full-batch training, updating ``params`` in place.

    ``X`` (n_x * m) and ``Y`` (n_y * m) are flat C-order copies of the (n, m) arrays. ``keep[l]`` is
    the keep probability of layer l (0 = input) and ``mask_offset[l]`` where its mask starts within a row
    of ``masks`` (-1: no dropout); row ``it - start`` holds iteration ``it``'s masks, or row 0 serves
    every iteration when ``fixed_masks``. ``v``, ``s``, ``t``: the optimizer's state (v, s in place).

    Returns ``(iterations_done, status, n_records, t)``: status OK, COST_NOT_FINITE (the cost of
    iteration ``start + iterations_done`` is not finite), COST_GREW (it is above ``limit``; a
    negative limit: the first cost recorded sets it) or GRAD_NOT_FINITE (its gradient is not
    finite), and then that iteration's update is not applied. Costs at multiples of ``record_every`` go to
    ``rec_it``, ``rec_J`` (with the penalty) and ``rec_J0`` (without).
    """
    L = sizes.shape[0] - 1
    m = _unsigned(X.shape[0] // sizes[0])
    m_padded = (
        (m + _unsigned(7)) // _unsigned(8) * _unsigned(8)
    )  # rows padded to whole vectors: no scalar remainder loops
    w_offset = np.zeros(L + 1, np.uint64)
    a_offset = np.zeros(L + 1, np.uint64)
    off = _unsigned(0)
    width = sizes[0]
    for layer in range(1, L + 1):
        w_offset[layer] = off
        off += _unsigned(sizes[layer]) * _unsigned(sizes[layer - 1] + 1)
        a_offset[layer] = a_offset[layer - 1] + _unsigned(sizes[layer - 1]) * m_padded
        width = max(width, sizes[layer])
    total = a_offset[L] + _unsigned(sizes[L]) * m_padded
    A = np.zeros(total, params.dtype)
    Z = np.zeros(total, params.dtype)
    G = np.empty_like(params)
    buf_a = np.zeros(_unsigned(width) * m_padded, params.dtype)
    buf_b = np.zeros(_unsigned(width) * m_padded, params.dtype)
    M = masks.ravel()
    per_pass = _unsigned(masks.shape[1])
    if mask_offset[0] < 0:
        for k in range(_unsigned(sizes[0])):
            for i in range(m):
                A[k * m_padded + i] = X[k * m + i]
    n_rec = 0
    for it in range(start, stop):
        mask_row = _unsigned(0) if fixed_masks else _unsigned(it - start) * per_pass
        _forward(
            params, sizes, w_offset, a_offset, A, Z, X, act, slope, out, keep, M, mask_row, mask_offset, m, m_padded
        )
        if it % record_every == 0:
            J, J0 = _cost(params, sizes, w_offset, a_offset, A, Z, Y, out, l2, l1, m, m_padded)
            n_rec += 1
            status, limit = _record(rec_it, rec_J, rec_J0, n_rec - 1, it, J, J0, limit)
            if status != OK:
                return it - start, status, n_rec, t
        _backward(
            params,
            G,
            sizes,
            w_offset,
            a_offset,
            A,
            Z,
            Y,
            act,
            slope,
            l2,
            l1,
            keep,
            M,
            mask_row,
            mask_offset,
            m,
            m_padded,
            buf_a,
            buf_b,
        )
        if not _all_finite(G):
            return it - start, GRAD_NOT_FINITE, n_rec, t
        lr = lr0 if decay == 0.0 else lr0 / (1 + decay * it)
        if opt == ADAM:
            t += 1
        _step(params, G, lr, opt, beta1, beta2, eps, v, s, t)
    return stop - start, OK, n_rec, t

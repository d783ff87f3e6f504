"""The compiled fused kernel: a chunk of full-batch training iterations of a small network in one call.

It is the reference path (``Network.forward``, ``cost``, ``backward`` and the optimizer's ``step``)
written as loops that Numba compiles once and caches on disk (``cache=True``), so a chunk of
thousands of iterations pays no Python or NumPy call overhead. Every operation follows the
reference in the same order (``Z = W @ A + b``; ``A = A * D``, ``A = A / keep_prob``;
``dW = 1/m * dZ @ A_prev.T + lambda/m * W``), so results agree to rounding (sums run in another order
than BLAS's). ``tests/test_fast.py`` holds it to the reference within 1e-9 relative.

Buffers are flat (``params`` in the layout of ``ParamLayout``: W1, b1, W2, b2, ...); each layer works
on 2-D views of them, which is what lets LLVM vectorize the loops over the m examples.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

RELU, LEAKY_RELU, TANH, SIGMOID = 0, 1, 2, 3
OUT_SIGMOID, OUT_SOFTMAX, OUT_IDENTITY = 0, 1, 2
GD, MOMENTUM, RMSPROP, ADAM = 0, 1, 2, 3
OK, COST_NOT_FINITE, GRAD_NOT_FINITE = 0, 1, 2

# reassoc lets the reductions (dW, db, the cost) use SIMD lanes; contract allows FMA. No nnan/ninf:
# the kernel must see non-finite values to stop on divergence as the reference does.
_FM = {"reassoc", "contract", "nsz"}
_jit = nb.njit(cache=True, fastmath=_FM)


@nb.njit(cache=True)
def _all_finite(a):
    """Whether every value of ``a`` is finite, read from the exponent bits: integer tests that no
    fast-math flag can fold away (the optimizer may assume a float compare never meets inf)."""
    bits = a.view(np.int64)
    for q in range(bits.shape[0]):
        if (bits[q] >> 52) & 0x7FF == 0x7FF:
            return False
    return True


@_jit
def _logaddexp0(x):
    """log(1 + exp(x)), as np.logaddexp(0, x) computes it."""
    if x == 0.0:
        return math.log(2.0)
    if x > 0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


@_jit
def _linear(W, b, A_prev, Z):
    """Z = W @ A_prev + b."""
    n, n_prev = W.shape
    m = Z.shape[1]
    for j in range(n):
        w = W[j, 0]
        for i in range(m):
            Z[j, i] = w * A_prev[0, i]
        for k in range(1, n_prev):
            w = W[j, k]
            for i in range(m):
                Z[j, i] += w * A_prev[k, i]
        bj = b[j]
        for i in range(m):
            Z[j, i] += bj


@_jit
def _activate(Z, A, act, slope):
    n, m = Z.shape
    for j in range(n):
        if act == RELU:
            for i in range(m):
                z = Z[j, i]
                A[j, i] = z if (z > 0 or z != z) else 0.0
        elif act == LEAKY_RELU:
            for i in range(m):
                z = Z[j, i]
                A[j, i] = z if z > 0 else slope * z
        elif act == TANH:
            for i in range(m):
                A[j, i] = math.tanh(Z[j, i])
        else:
            for i in range(m):
                A[j, i] = 1.0 / (1.0 + math.exp(-Z[j, i]))


@_jit
def _drop(A, D, keep):
    """Inverted dropout as the reference: A = A * D; A = A / keep."""
    n, m = A.shape
    for j in range(n):
        for i in range(m):
            A[j, i] = (A[j, i] * D[j, i]) / keep


@_jit
def _output(Z, A, out):
    n, m = Z.shape
    if out == OUT_SIGMOID:
        for j in range(n):
            for i in range(m):
                A[j, i] = 1.0 / (1.0 + math.exp(-Z[j, i]))
    elif out == OUT_SOFTMAX:
        for i in range(m):
            zmax = Z[0, i]
            for j in range(1, n):
                zmax = max(zmax, Z[j, i])
            total = 0.0
            for j in range(n):
                e = math.exp(Z[j, i] - zmax)
                A[j, i] = e
                total += e
            for j in range(n):
                A[j, i] = A[j, i] / total
    else:
        for j in range(n):
            for i in range(m):
                A[j, i] = Z[j, i]


@_jit
def _data_cost(Z, A, Y, out):
    """The unpenalized cost, as the output layer's ``cost(A, Y, Z)``."""
    n, m = Z.shape
    total = 0.0
    if out == OUT_SIGMOID:
        for j in range(n):
            for i in range(m):
                y = Y[j, i]
                total += y * _logaddexp0(-Z[j, i]) + (1.0 - y) * _logaddexp0(Z[j, i])
        return 1.0 / m * total
    if out == OUT_SOFTMAX:
        for i in range(m):
            zmax = Z[0, i]
            for j in range(1, n):
                zmax = max(zmax, Z[j, i])
            s = 0.0
            for j in range(n):
                s += math.exp(Z[j, i] - zmax)
            log_norm = zmax + math.log(s)
            for j in range(n):
                total += Y[j, i] * (log_norm - Z[j, i])
        return 1.0 / m * total
    for j in range(n):
        for i in range(m):
            d = A[j, i] - Y[j, i]
            total += d * d
    return 1.0 / (2 * m) * total


@_jit
def _grads(dZ, A_prev, W, dW, db, m, l2, l1):
    """dW = 1/m * dZ @ A_prev.T (+ penalty), db = 1/m * sum(dZ)."""
    n, n_prev = W.shape
    for j in range(n):
        for k in range(n_prev):
            acc = 0.0
            for i in range(m):
                acc += dZ[j, i] * A_prev[k, i]
            g = 1.0 / m * acc
            if l2 != 0.0:
                g += (l2 * W[j, k]) / m
            if l1 != 0.0:
                w = W[j, k]
                g += l1 / (2 * m) * (1.0 if w > 0 else (-1.0 if w < 0 else 0.0))
            dW[j, k] = g
        acc = 0.0
        for i in range(m):
            acc += dZ[j, i]
        db[j] = 1.0 / m * acc


@_jit
def _back_linear(W, dZ, dA):
    """dA = W.T @ dZ."""
    n, n_prev = W.shape
    m = dZ.shape[1]
    for k in range(n_prev):
        w = W[0, k]
        for i in range(m):
            dA[k, i] = w * dZ[0, i]
    for j in range(1, n):
        for k in range(n_prev):
            w = W[j, k]
            for i in range(m):
                dA[k, i] += w * dZ[j, i]


@_jit
def _back_activate(dA, Z, A, act, slope):
    """dZ = dA * g'(Z), in place in dA; tanh and sigmoid use A as the reference does."""
    n, m = dA.shape
    for j in range(n):
        if act == RELU:
            for i in range(m):
                dA[j, i] = dA[j, i] * (1.0 if Z[j, i] > 0 else 0.0)
        elif act == LEAKY_RELU:
            for i in range(m):
                dA[j, i] = dA[j, i] * (1.0 if Z[j, i] > 0 else slope)
        elif act == TANH:
            for i in range(m):
                dA[j, i] = dA[j, i] * (1 - A[j, i] * A[j, i])
        else:
            for i in range(m):
                dA[j, i] = dA[j, i] * (A[j, i] * (1 - A[j, i]))


@_jit
def _mat(flat, offset, n, k):
    return flat[offset:offset + n * k].reshape(n, k)


@_jit
def _step(params, grad, lr, opt, beta1, beta2, eps, v, s, t):
    """One optimizer update on the flat buffer, as the optimizers of training/optimizers.py."""
    P = params.shape[0]
    if opt == GD:
        for q in range(P):
            params[q] -= lr * grad[q]
    elif opt == MOMENTUM:
        for q in range(P):
            v[q] *= beta1
            v[q] += (1 - beta1) * grad[q]
            params[q] -= lr * v[q]
    elif opt == RMSPROP:
        for q in range(P):
            s[q] *= beta2
            s[q] += (1 - beta2) * (grad[q] * grad[q])
            params[q] -= lr * grad[q] / (math.sqrt(s[q]) + eps)
    else:
        c1 = 1 - beta1 ** t
        c2 = 1 - beta2 ** t
        for q in range(P):
            v[q] *= beta1
            v[q] += (1 - beta1) * grad[q]
            s[q] *= beta2
            s[q] += (1 - beta2) * (grad[q] * grad[q])
            params[q] -= lr * (v[q] / c1) / (math.sqrt(s[q] / c2) + eps)


@_jit
def train_chunk(params, sizes, X, Y, act, slope, out, lr0, decay, l2, l1, keep, masks, moff, fixed_masks,
                opt, beta1, beta2, eps, v, s, t, start, stop, record_every, rec_it, rec_J, rec_J0):
    """Run iterations ``start .. stop-1`` of full-batch training, updating ``params`` in place.

    ``X`` is (n_x, m) and ``Y`` (n_y, m), C-contiguous. ``keep[l]`` is the keep probability of layer
    l (0 = input) and ``moff[l]`` where its mask starts in a row of ``masks`` (-1: no dropout);
    row ``it - start`` holds the masks of iteration ``it``, or row 0 for every iteration when
    ``fixed_masks``. ``v``, ``s`` and ``t`` are the optimizer's state (updated in place but t).

    Returns ``(iterations_done, status, n_records, t)``. Status OK, COST_NOT_FINITE (the cost of
    iteration ``start + iterations_done`` is not finite) or GRAD_NOT_FINITE (its gradient is not):
    then that iteration's update is not applied. Costs at multiples of ``record_every`` go to
    ``rec_it``, ``rec_J`` (with the penalty) and ``rec_J0`` (without).
    """
    L = sizes.shape[0] - 1
    m = X.shape[1]
    woff = np.zeros(L + 1, np.int64)
    aoff = np.zeros(L + 1, np.int64)
    off = 0
    width = sizes[0]
    for layer in range(1, L + 1):
        woff[layer] = off
        off += sizes[layer] * sizes[layer - 1] + sizes[layer]
        aoff[layer] = aoff[layer - 1] + sizes[layer - 1] * m
        width = max(width, sizes[layer])
    total = aoff[L] + sizes[L] * m
    Abuf = np.empty(total, params.dtype)
    Zbuf = np.empty(total, params.dtype)
    grad = np.empty_like(params)
    da = np.empty(width * m, params.dtype)
    db_ = np.empty(width * m, params.dtype)
    n_rec = 0
    for it in range(start, stop):
        row = 0 if fixed_masks else it - start
        # forward
        A_prev = X
        if moff[0] >= 0:
            A0 = _mat(Abuf, 0, sizes[0], m)
            A0[:, :] = X
            _drop(A0, _mat(masks[row], moff[0], sizes[0], m), keep[0])
            A_prev = A0
        for layer in range(1, L + 1):
            n, n_prev = sizes[layer], sizes[layer - 1]
            W = _mat(params, woff[layer], n, n_prev)
            b = params[woff[layer] + n * n_prev:woff[layer] + n * n_prev + n]
            Zl = _mat(Zbuf, aoff[layer], n, m)
            Al = _mat(Abuf, aoff[layer], n, m)
            _linear(W, b, A_prev, Zl)
            if layer < L:
                _activate(Zl, Al, act, slope)
                if moff[layer] >= 0:
                    _drop(Al, _mat(masks[row], moff[layer], n, m), keep[layer])
            else:
                _output(Zl, Al, out)
            A_prev = Al
        ZL = _mat(Zbuf, aoff[L], sizes[L], m)
        AL = _mat(Abuf, aoff[L], sizes[L], m)
        if it % record_every == 0:
            J0 = _data_cost(ZL, AL, Y, out)
            pen = 0.0
            if l2 != 0.0:
                sq = 0.0
                for layer in range(1, L + 1):
                    for q in range(woff[layer], woff[layer] + sizes[layer] * sizes[layer - 1]):
                        sq += params[q] * params[q]
                pen += l2 * sq / (2 * m)
            if l1 != 0.0:
                ab = 0.0
                for layer in range(1, L + 1):
                    for q in range(woff[layer], woff[layer] + sizes[layer] * sizes[layer - 1]):
                        ab += abs(params[q])
                pen += l1 * ab / (2 * m)
            J = J0 + pen
            rec_it[n_rec] = it
            rec_J[n_rec] = J
            rec_J0[n_rec] = J0
            n_rec += 1
            if not _all_finite(rec_J[n_rec - 1:n_rec]):
                return it - start, COST_NOT_FINITE, n_rec, t
        # backward
        dZ = _mat(da, 0, sizes[L], m)
        for j in range(sizes[L]):
            for i in range(m):
                dZ[j, i] = AL[j, i] - Y[j, i]
        use_a = True
        for layer in range(L, 0, -1):
            n, n_prev = sizes[layer], sizes[layer - 1]
            W = _mat(params, woff[layer], n, n_prev)
            dW = _mat(grad, woff[layer], n, n_prev)
            dbl = grad[woff[layer] + n * n_prev:woff[layer] + n * n_prev + n]
            if layer == 1:
                A_prev = _mat(Abuf, 0, n_prev, m) if moff[0] >= 0 else X
            else:
                A_prev = _mat(Abuf, aoff[layer - 1], n_prev, m)
            _grads(dZ, A_prev, W, dW, dbl, m, l2, l1)
            if layer == 1:
                break
            dA = _mat(db_ if use_a else da, 0, n_prev, m)
            use_a = not use_a
            _back_linear(W, dZ, dA)
            if moff[layer - 1] >= 0:
                _drop(dA, _mat(masks[row], moff[layer - 1], n_prev, m), keep[layer - 1])
            _back_activate(dA, _mat(Zbuf, aoff[layer - 1], n_prev, m), A_prev, act, slope)
            dZ = dA
        if not _all_finite(grad):
            return it - start, GRAD_NOT_FINITE, n_rec, t
        lr = lr0 if decay == 0.0 else lr0 / (1 + decay * it)
        if opt == ADAM:
            t += 1
        _step(params, grad, lr, opt, beta1, beta2, eps, v, s, t)
    return stop - start, OK, n_rec, t

"""Deciding which compiled path runs a trainer's iterations, and running them.

Two kernels, for the built-in activations, outputs and optimizers: the fused kernel (kernel.py) for
full-batch training of float64 networks no larger than ``MAX_MACS`` multiply-adds per example, with
dropout; the mini-batch kernel (minibatch.py) for mini-batches without dropout, float32 or float64,
any size, with batch normalization. Anything else returns False and the trainer runs its reference
loop.

A chunk behaves like the reference loop: costs recorded at multiples of ``record_every``, the
same divergence errors with the parameters of the last finite step, the interrupt flag checked
between chunks of at most ``CHUNK`` iterations, and the optimizer and mask streams left in the state
the reference would leave them in, so ``Trainer.state_dict()`` resumes bit-identically.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import fast
from ..core.activations import LeakyReLU, ReLU, Sigmoid, Tanh
from ..core.dropout import FreshMasks, NotebookMasks
from ..core.losses import IdentityMeanSquaredError, SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy
from ..fast import codes
from .optimizers import Adam, GradientDescent, Momentum, RMSprop

#: Largest network (multiply-adds per example over all layers) the kernel takes; larger ones run
#: faster on BLAS. Measured by ``practicalnn bench`` (see docs/performance.md).
MAX_MACS = 4096
#: Most iterations per kernel call (the interrupt flag is checked between calls).
CHUNK = 5000
#: Most mask values drawn ahead for one call (8 MiB of float64).
MASK_BUDGET = 1 << 20

_HIDDEN = {ReLU: codes.RELU, LeakyReLU: codes.LEAKY_RELU, Tanh: codes.TANH, Sigmoid: codes.SIGMOID}
_OUTPUT = {
    SigmoidBinaryCrossEntropy: codes.OUT_SIGMOID,
    SoftmaxCrossEntropy: codes.OUT_SOFTMAX,
    IdentityMeanSquaredError: codes.OUT_IDENTITY,
}
_OPTIMIZER = {GradientDescent: codes.GD, Momentum: codes.MOMENTUM, RMSprop: codes.RMSPROP, Adam: codes.ADAM}


def _unsupported(trainer):
    """The reason no compiled path serves ``trainer``, whatever its batching; None if one may."""
    net = trainer.network
    if not fast.enabled():
        return fast.disabled_reason()
    if trainer.augment is not None:
        return "data augmentation"
    if type(net.hidden) not in _HIDDEN:
        return f"hidden activation {type(net.hidden).__name__}"
    if type(net.output) not in _OUTPUT:
        return f"output {type(net.output).__name__}"
    if type(trainer.optimizer) not in _OPTIMIZER:
        return f"optimizer {type(trainer.optimizer).__name__}"
    return None


def _mini_batches(trainer):
    plan = trainer.batch_plan
    if plan is None:
        return trainer.config.batch_size is not None
    return plan.size is not None


def why_not(trainer):
    """None when ``trainer``'s iterations run on a compiled path, else the reason they do not.

    Full-batch runs of small float64 networks go to the fused kernel; mini-batch runs without
    dropout (float32 or float64, any size, batch normalization included) to the mini-batch kernel."""
    net = trainer.network
    reason = _unsupported(trainer)
    if reason:
        return reason
    dropout = any(p < 1 for p in trainer.keep)
    if _mini_batches(trainer):
        if dropout:
            return "dropout with mini-batches (the mini-batch kernel has no dropout)"
    else:
        if net.normalized:
            return (
                f"batch normalization with full batches (hidden layers {list(net.normalized)}; the fused "
                "kernel does not normalize, the mini-batch kernel does)"
            )
        if net.dtype != np.float64:
            return f"dtype {net.dtype.name} with full batches (the fused kernel is float64)"
        if not trainer.config.plain_inverse:
            return (
                f"learning-rate schedule {trainer.config.schedule().name} with full batches "
                "(the fused kernel computes only alpha0 / (1 + decay_rate * epoch))"
            )
        sizes = net.layer_sizes
        macs = sum(sizes[i] * sizes[i - 1] for i in range(1, len(sizes)))
        if macs > MAX_MACS:
            return f"a large network ({macs} multiply-adds per example > {MAX_MACS}; BLAS is faster) with full batches"
        if dropout and type(trainer.streams.masks) not in (FreshMasks, NotebookMasks):
            return f"mask stream {type(trainer.streams.masks).__name__}"
    if fast.kernels() is None:
        return "numba is not installed"
    return None


def _optimizer_arrays(trainer):
    """The optimizer's moments as the kernels take them: arrays (a zero-length one for a moment the
    optimizer does not keep), updated in place."""
    state, empty = trainer.optimizer_state, np.zeros(0, trainer.network.params.dtype)
    return (empty if state.v is None else state.v), (empty if state.s is None else state.s)


def _finish_chunk(trainer, it, done, n_rec, records, t):
    """What every kernel call ends with: its recorded costs into the history, the optimizer's state
    back into the optimizer, and the trainer's iteration advanced past the updates it made."""
    rec_it, rec_J, rec_J0 = records
    for r in range(n_rec):
        trainer.history.record(rec_it[r], rec_J[r], rec_J0[r])
    trainer.optimizer_state.t = t
    trainer.iteration = it + done


def _diverged(trainer, status, failed, records, n_rec):
    """Raise the reference path's divergence error for a kernel call that stopped at ``failed``."""
    if status in (codes.COST_NOT_FINITE, codes.COST_GREW):
        trainer.check_cost(failed, float(records[1][n_rec - 1]))
    trainer.diverged(failed, "the gradient is not finite")


def _limit(trainer):
    """The cost limit of the run (``codes.cost_limit`` of its first cost); -1 when no cost is
    recorded yet, and the kernel sets it from the first."""
    cost = trainer.history.cost
    return codes.cost_limit(cost[0]) if len(cost) else -1.0


def _records(start, end, every):
    n = (end - 1) // every - (start - 1) // every + 1
    return np.zeros(n, np.int64), np.zeros(n), np.zeros(n)


def _run_batches(trainer, X, Y, start, stop, interrupted):
    """Mini-batch iterations on the mini-batch kernel, one epoch's order at a time, drawn exactly
    where the reference draws it (at the first batch of each epoch)."""
    train_batches = fast.kernels()[1].train_batches
    net, cfg, opt, plan = trainer.network, trainer.config, trainer.optimizer, trainer.batch_plan
    sizes = np.asarray(net.layer_sizes, np.int64)
    code = _OPTIMIZER[type(opt)]
    (v, s), t = _optimizer_arrays(trainer), trainer.optimizer_state.t
    slope = float(getattr(net.hidden, "slope", 0.0))
    norm = np.asarray([layer in net.normalized for layer in range(len(sizes))], np.int64)
    running_mean, running_var = (a.astype(net.dtype) for a in net.running.flat())
    it = start
    while it < stop:
        if interrupted.is_set():
            return True
        epoch, position = plan.locate(it, trainer.streams.shuffle)
        end = min(stop, (epoch + 1) * plan.per_epoch, it + CHUNK)
        lr = cfg.rate(epoch)
        records = _records(it, end, cfg.record_every)
        done, status, n_rec, t = train_batches(
            net.params,
            sizes,
            X,
            Y,
            plan.perm,
            plan.size,
            position,
            _HIDDEN[type(net.hidden)],
            slope,
            _OUTPUT[type(net.output)],
            norm,
            float(net.bn_epsilon),
            float(net.running.decay),
            running_mean,
            running_var,
            lr,
            trainer.penalty.l2,
            trainer.penalty.l1,
            code,
            opt.beta1,
            opt.beta2,
            opt.epsilon,
            v,
            s,
            t,
            it,
            end,
            cfg.record_every,
            _limit(trainer),
            *records,
        )
        _finish_chunk(trainer, it, done, n_rec, records, t)
        if net.normalized:
            net.running.set_flat(running_mean, running_var)
        if status != codes.OK:
            _diverged(trainer, status, it + done, records, n_rec)
        it = end
    return True


def run(trainer, X, Y, start, stop, interrupted):
    """Run updates ``start .. stop-1`` of ``trainer`` on a compiled path; False (nothing done) when
    none serves this run. Should Numba fail to compile here, the fast path turns itself off for the
    process and the reference path serves (``why_not`` then reports the error)."""
    if why_not(trainer) is not None:
        return False
    from numba.core.errors import NumbaError

    try:
        return _run_chunks(trainer, X, Y, start, stop, interrupted)
    except NumbaError as err:
        if trainer.iteration != start:  # pragma: no cover - compilation happens before any iteration
            raise
        fast.turn_off(f"numba could not compile the kernel ({type(err).__name__})")
        return False


def _run_chunks(trainer, X, Y, start, stop, interrupted):
    if trainer.batch_plan.size is not None:
        return _run_batches(trainer, X, Y, start, stop, interrupted)
    return _run_full_batch(trainer, X, Y, start, stop, interrupted)


@dataclass
class _MaskLayout:
    """Where the dropped layers' masks sit in one pass's row of mask bytes, and how they are drawn."""

    keep: np.ndarray  # keep_prob per layer, the output's 1 appended
    offset: np.ndarray  # each layer's first mask byte in the row (-1: not dropped)
    per_pass: int  # mask bytes per pass
    fixed: bool  # the same masks at every pass (none, or the notebook's)
    threshold: np.ndarray  # keep_prob of every mask byte, to draw a chunk's rows at once
    first: np.ndarray  # the one row of fixed masks (zeros when there are none)


def _mask_layout(trainer, sizes, m):
    keep = np.asarray([*trainer.keep, 1.0], np.float64)
    offset = np.full(len(sizes), -1, np.int64)
    per_pass = 0
    for layer, p in enumerate(trainer.keep):
        if p < 1:
            offset[layer] = per_pass
            per_pass += int(sizes[layer]) * m
    masks, dropped = trainer.streams.masks, [l for l in range(len(trainer.keep)) if keep[l] < 1]
    fixed = per_pass == 0 or type(masks) is NotebookMasks
    threshold = np.repeat(keep[: len(trainer.keep)], [int(sizes[l]) * m if l in dropped else 0
                                                      for l in range(len(trainer.keep))])  # fmt: skip
    first = np.zeros((1, max(per_pass, 1)), np.uint8)
    if per_pass and fixed:
        masks.begin_pass()
        first = np.concatenate([masks.draw((int(sizes[l]), m), keep[l]).ravel() for l in dropped])
        first = first.view(np.uint8)[None, :]
    return _MaskLayout(keep, offset, per_pass, fixed, threshold, first)


def _run_full_batch(trainer, X, Y, start, stop, interrupted):
    """Full-batch iterations on the fused kernel, in chunks; the dropout masks drawn ahead for each
    chunk from the trainer's mask stream (or once, for the notebook's fixed masks)."""
    K = fast.kernels()[0]
    net, cfg, opt = trainer.network, trainer.config, trainer.optimizer
    Xc, Yc = np.ascontiguousarray(X), np.ascontiguousarray(Y)
    m = Xc.shape[1]
    sizes = np.asarray(net.layer_sizes, np.int64)
    layout = _mask_layout(trainer, sizes, m)
    keep, moff, per_pass, fixed, threshold, D = (layout.keep, layout.offset, layout.per_pass, layout.fixed,
                                                 layout.threshold, layout.first)  # fmt: skip
    masks = trainer.streams.masks
    chunk = CHUNK if fixed else max(1, min(CHUNK, MASK_BUDGET // per_pass))
    code = _OPTIMIZER[type(opt)]
    (v, s), t = _optimizer_arrays(trainer), trainer.optimizer_state.t
    slope = float(getattr(net.hidden, "slope", 0.0))
    it = start
    while it < stop:
        if interrupted.is_set():
            return True
        end = min(stop, it + chunk)
        if not fixed:
            saved = masks.rng.bit_generator.state
            D = (masks.rng.random((end - it, per_pass)) < threshold).view(np.uint8)
        records = _records(it, end, cfg.record_every)
        done, status, n_rec, t = K.train_chunk(
            net.params,
            sizes,
            Xc.ravel(),
            Yc.ravel(),
            _HIDDEN[type(net.hidden)],
            slope,
            _OUTPUT[type(net.output)],
            cfg.learning_rate,
            float(cfg.decay_rate),
            trainer.penalty.l2,
            trainer.penalty.l1,
            keep,
            D,
            moff,
            fixed,
            code,
            opt.beta1,
            opt.beta2,
            opt.epsilon,
            v,
            s,
            t,
            it,
            end,
            cfg.record_every,
            _limit(trainer),
            *records,
        )
        _finish_chunk(trainer, it, done, n_rec, records, t)
        if status != codes.OK:
            if not fixed:  # leave the mask stream where the reference would: after this pass's draws
                masks.rng.bit_generator.state = saved
                masks.rng.random((done + 1, per_pass))
            _diverged(trainer, status, it + done, records, n_rec)
        it = end
    return True

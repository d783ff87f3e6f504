"""The training loop: full-batch gradient descent by default (the notebook's), mini-batches and
optimizers on request, callbacks at checkpoints, and safe handling of Ctrl-C and divergence."""

from __future__ import annotations

import math
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from ..core.batchnorm import require_batch_of_two
from ..core.dropout import keep_probs, uses_dropout
from ..core.memory import require, training_bytes
from ..core.random import set_shuffle_state, shuffle_state
from ..core.random import streams as make_streams
from ..errors import TrainingDiverged, argument_error
from ..fast.codes import COST_GROWTH, cost_limit
from . import fast_path
from .callbacks import stateful
from .config import TrainConfig
from .history import History
from .optimizers import make_optimizer, state_from_dict, state_to_dict

#: Inputs beyond this magnitude are named as the likely cause of a divergence (standardized ones are
#: a few units; raw features such as breast_cancer's areas reach a few thousand).
INPUT_SCALE = 1e3


@contextmanager
def _interrupt_flag():
    """Turn Ctrl-C into a flag the loop checks between updates, so an update is never cut in half.
    Only the main thread can own the SIGINT handler; elsewhere Ctrl-C behaves as usual."""
    flag = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum, frame):
        if flag.is_set():  # a second Ctrl-C: the user means it
            raise KeyboardInterrupt
        flag.set()

    signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


@dataclass
class _BatchPlan:
    m: int
    size: int | None
    perm: np.ndarray | None = None

    @property
    def per_epoch(self):
        return 1 if self.size is None else math.ceil(self.m / self.size)

    def locate(self, it, shuffle):
        """(epoch, position in the epoch) of update ``it``; at an epoch's first batch (or with no
        order yet) the epoch's order is drawn from ``shuffle``, where the reference draws it."""
        epoch, position = divmod(it, self.per_epoch)
        if position == 0 or self.perm is None:
            self.perm = shuffle.permutation(self.m)
        return epoch, position


class Trainer:
    """Trains ``network`` in place on (X, Y) with ``config``.

    ``rng`` is a seed, a Generator, "notebook" or a ``Streams`` object; ``callbacks`` receive
    checkpoints. ``fit`` returns the History; on divergence it raises ``TrainingDiverged`` with the
    history attached and the network at its last finite parameters.
    """

    def __init__(self, network, config=None, *, rng=None, callbacks=()):
        self.network = network
        self.config = config if config is not None else TrainConfig()
        self.streams = rng if hasattr(rng, "masks") else make_streams(rng)
        self.callbacks = list(callbacks)
        self.penalty = self.config.penalty()
        self.keep = keep_probs(network.n_layers, self.config.keep_prob, self.config.input_keep_prob)
        self.optimizer = make_optimizer(
            self.config.optimizer, beta1=self.config.beta1, beta2=self.config.beta2, epsilon=self.config.epsilon
        )
        self.optimizer_state = self.optimizer.init(network.params)
        self.history = History()
        self.iteration = 0
        self.stop_reason = None
        self.batch_plan = None
        self._restored_perm = None
        self._grad = np.empty_like(network.params)
        self.augment = None  # X -> X on training batches only (regularization.augmentation attaches it)
        self.input_scale = 0.0  # the largest |x| of the data being fitted (a divergence message names it)

    # -- the loop ------------------------------------------------------------------------------
    def fit(self, X, Y, until=None):
        """Train to ``config.iterations`` (or pause at iteration ``until``: a later ``fit`` continues
        exactly where this one paused, and only the real end of training is an end-of-training check).
        Returns the History."""
        net = self.network
        X = net.check_X(X)
        Y = net.check_Y(Y, X.shape[1])
        size = self.config.batch_size
        if self.batch_plan is None:
            self.batch_plan = _BatchPlan(X.shape[1], size if size and size < X.shape[1] else None, self._restored_perm)
        self._require_memory(self.batch_plan.size or X.shape[1])
        if net.normalized:
            self._require_batches_of_two()
        self.input_scale = float(max(X.max(), -X.min()))  # max |x| without np.abs(X), a copy of X
        self.stop_reason = None
        for cb in self.callbacks:
            cb.on_train_begin(self)
        total = self.config.iterations
        stop = total if until is None else min(int(until), total)
        try:
            with _interrupt_flag() as interrupted:
                while self.iteration < stop and self.stop_reason is None:
                    end = self._next_boundary(stop)
                    self._steps(X, Y, self.iteration, end, interrupted)
                    if interrupted.is_set():
                        self.stop_reason = "interrupted"
                        break
                    self._check(total)
        except TrainingDiverged as err:
            self._finish("diverged")
            err.history = self.history
            raise
        self._finish(self.stop_reason or "completed")
        return self.history

    def _check(self, total):
        """Call the callbacks due after ``self.iteration`` updates. The end of training is a check for
        every callback (early stopping must see the final parameters, whatever ``every`` is); a
        callback that asks to stop there changes nothing, as the run has completed."""
        for cb in self.callbacks:
            if cb.every and (self.iteration % cb.every == 0 or self.iteration == total):
                if cb.on_check(self, self.iteration) and self.iteration < total:
                    self.stop_reason = self.stop_reason or getattr(cb, "reason", "callback")

    def _require_memory(self, batch):
        """ConfigError, before anything is allocated, when the run cannot fit in memory."""
        net, cfg = self.network, self.config
        needed = training_bytes(
            net.layer_sizes, batch, net.dtype, optimizer=cfg.optimizer, dropout=uses_dropout(self.keep)
        )
        require(f"training a network of layer_sizes {list(net.layer_sizes)} on batches of {batch} examples", needed)

    def _require_batches_of_two(self):
        """Batch normalization needs two examples in every batch, the last smaller one included."""
        plan = self.batch_plan
        if plan.size is None:
            require_batch_of_two(plan.m, "X")
        else:
            require_batch_of_two(plan.size)
            if plan.m % plan.size:
                require_batch_of_two(plan.m % plan.size, "batch_size (the last batch of an epoch)")

    def _finish(self, reason):
        self.history.stopped = reason
        self.history.iterations_run = self.iteration
        for cb in reversed(self.callbacks):  # the last to begin is the first to end
            cb.on_train_end(self)

    def _next_boundary(self, total):
        end = total
        for cb in self.callbacks:
            if cb.every:
                end = min(end, (self.iteration // cb.every + 1) * cb.every)
        return end

    def _steps(self, X, Y, start, stop, interrupted):
        """Run updates ``start .. stop-1``: on the compiled fast path when it supports the run, else
        with the reference NumPy path below."""
        if fast_path.run(self, X, Y, start, stop, interrupted):
            return
        net, cfg = self.network, self.config
        keep = self.keep if uses_dropout(self.keep) else None
        # overflow is detected below (the cost and the gradient are checked) and reported as divergence
        with np.errstate(over="ignore", invalid="ignore"):
            for it in range(start, stop):
                if interrupted.is_set():
                    return
                Xb, Yb, epoch = self._batch(X, Y, it)
                cache = net.forward(Xb, keep, self.streams.masks, training=True)
                if it % cfg.record_every == 0:
                    J, J0 = net.cost(cache, Yb, self.penalty)
                    self.history.record(it, J, J0)
                    self.check_cost(it, J)
                grad = net.backward(cache, Yb, self.penalty, out=self._grad)
                if not np.isfinite(grad).all():
                    self.diverged(it, "the gradient is not finite")
                self.optimizer.update(net.params, grad, cfg.rate(epoch), self.optimizer_state)
                net.update_running(cache)  # once per step: cost evaluations and checks never do
                self.iteration = it + 1

    def check_cost(self, iteration, J):
        """Divergence when the cost just recorded is not finite, or has grown more than COST_GROWTH
        times its first recorded value (``fast.codes.cost_limit``, the rule of the kernels too)."""
        if not math.isfinite(J):
            self.diverged(iteration, f"the cost is {J}")
        first = self.history.cost[0]
        if J > cost_limit(first):
            self.diverged(iteration, f"the cost grew from {first:.6g} to {J:.3g} (over {COST_GROWTH:g} times)")

    def diverged(self, iteration, what):
        """Raise the divergence error for ``iteration``, naming ``what`` went wrong and the likely
        cause: inputs far from unit scale, else the step size."""
        scale = self.input_scale
        if scale > INPUT_SCALE:
            advice = (
                f"the inputs reach {scale:.3g}: standardize them, "
                f"or take a smaller learning_rate (now {self.config.learning_rate})"
            )
        else:
            advice = f"try a smaller learning_rate (now {self.config.learning_rate})"
        raise TrainingDiverged(
            f"training diverged at iteration {iteration}: {what}; {advice}; the parameters before this "
            "iteration are kept",
            iteration=iteration,
            history=self.history,
        )

    def _batch(self, X, Y, it):
        plan = self.batch_plan
        if plan.size is None:
            Xb, Yb, epoch = X, Y, it
        else:
            epoch, position = plan.locate(it, self.streams.shuffle)
            idx = plan.perm[position * plan.size : (position + 1) * plan.size]
            Xb, Yb = X[:, idx], Y[:, idx]
        if self.augment is not None:
            Xb = np.asarray(self.augment(Xb), dtype=X.dtype)
        return Xb, Yb, epoch

    # -- saving and restoring the whole state (for checkpoints) --------------------------------
    def state_dict(self):
        plan = self.batch_plan
        return {
            "iteration": self.iteration,
            "params": self.network.params.copy(),
            "optimizer": state_to_dict(self.optimizer, self.optimizer_state),
            "masks": self.streams.masks.state(),
            "shuffle": shuffle_state(self.streams.shuffle),
            "perm": None if plan is None or plan.perm is None else plan.perm.copy(),
            "history": self.history.to_dict(),
            "batch_norm": self.network.running.flat() if self.network.normalized else None,
            "callbacks": [
                {"type": type(cb).__name__, "state": cb.state_dict()} for cb in self.callbacks if stateful(cb)
            ],
        }

    def load_state_dict(self, state):
        self.iteration = int(state["iteration"])
        self.network.set_params(state["params"])
        self.optimizer_state = state_from_dict(self.optimizer, state["optimizer"], self.network.params)
        if state.get("masks") is not None:
            self.streams.masks.set_state(state["masks"])
        set_shuffle_state(self.streams.shuffle, state["shuffle"])
        if self.network.normalized:
            if state.get("batch_norm") is None:
                raise argument_error(
                    "resume", "a state without running averages", "batch normalization's running averages"
                )
            self.network.running.set_flat(*state["batch_norm"], argument="resume")
        self.history = History.from_dict(state["history"])
        saved = state.get("callbacks") or []
        mine = [cb for cb in self.callbacks if stateful(cb)]
        if [c["type"] for c in saved] != [type(cb).__name__ for cb in mine]:
            raise argument_error(
                "callbacks",
                [type(cb).__name__ for cb in mine],
                f"the callbacks with state of the saved run: {[c['type'] for c in saved]}",
            )
        for cb, c in zip(mine, saved):
            cb.load_state_dict(c["state"])
        perm = state.get("perm")
        self._restored_perm = None if perm is None else np.asarray(perm)
        if self.batch_plan is not None:  # loaded from a callback's on_train_begin: the plan already exists
            self.batch_plan.perm = self._restored_perm


def train(network, X, Y, config=None, *, rng=None, init=None, callbacks=(), **overrides):
    """Train ``network`` in place and return its History.

    ``init`` (a scheme name or Initializer) first draws the weights from the run's init stream, so
    ``train(net, X, Y, rng="notebook", init="notebook")`` replays the notebook exactly. Keyword
    overrides (``learning_rate=...``, ``l2=...``) are TrainConfig fields.
    """
    if config is None:
        config = TrainConfig(**overrides)
    elif overrides:
        config = TrainConfig(**{**config.to_dict(), **overrides})
    trainer = Trainer(network, config, rng=rng, callbacks=callbacks)
    if init is not None:
        network.initialize(init, trainer.streams.init)
    return trainer.fit(X, Y)

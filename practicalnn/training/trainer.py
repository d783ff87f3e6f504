"""The training loop: full-batch gradient descent by default (the notebook's), mini-batches and
optimizers on request, callbacks at checkpoints, and safe handling of Ctrl-C and divergence."""

from __future__ import annotations

import math
import numbers
import signal
import threading
from contextlib import contextmanager
from dataclasses import asdict, dataclass

import numpy as np

from ..core.random import streams as make_streams
from ..errors import TrainingDiverged, bad
from ..regularization.dropout import keep_probs, uses_dropout
from ..regularization.penalties import Penalty
from .callbacks import stateful
from .history import History
from .optimizers import OPTIMIZERS, make_optimizer


def _positive_number(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
        raise bad(name, value, "a finite number > 0")
    return float(value)


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise bad(name, value, "an integer >= 1")
    return int(value)


@dataclass
class TrainConfig:
    """Hyperparameters of a training run; the defaults are the notebook's model.

    Parameters
    ----------
    learning_rate : float
        Step size alpha (> 0).
    iterations : int
        Number of parameter updates (>= 1).
    l2, l1 : float
        Penalty strengths lambda (>= 0); both may be used, with dropout too.
    keep_prob : float or list of float
        Dropout keep probability for hidden layers, one for all or one per hidden layer, in (0, 1].
    input_keep_prob : float
        Dropout keep probability of the input features, in (0, 1]; 1 keeps them all.
    record_every : int
        Record the cost every this many iterations (iteration 0 included).
    optimizer : str
        gd (default), momentum, rmsprop or adam.
    batch_size : int or None
        None for full-batch; else mini-batches of this size, reshuffled every epoch.
    beta1, beta2, epsilon : float
        Momentum / Adam / RMSprop constants.
    decay_rate : float
        Learning-rate decay per epoch: alpha = alpha0 / (1 + decay_rate * epoch).
    """

    learning_rate: float = 0.3
    iterations: int = 30000
    l2: float = 0.0
    l1: float = 0.0
    keep_prob: float | list = 1.0
    input_keep_prob: float = 1.0
    record_every: int = 1000
    optimizer: str = "gd"
    batch_size: int | None = None
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    decay_rate: float = 0.0

    def __post_init__(self):
        self.learning_rate = _positive_number("learning_rate", self.learning_rate)
        self.iterations = _positive_int("iterations", self.iterations)
        self.record_every = _positive_int("record_every", self.record_every)
        self.penalty()  # validates l2 and l1
        per_layer = isinstance(self.keep_prob, (list, tuple, np.ndarray)) and np.ndim(self.keep_prob) == 1
        keep_probs(len(self.keep_prob) + 1 if per_layer else 2, list(self.keep_prob) if per_layer else self.keep_prob,
                   self.input_keep_prob)  # validates them
        self.keep_prob = [float(p) for p in self.keep_prob] if per_layer else float(self.keep_prob)
        if self.optimizer not in OPTIMIZERS:
            raise bad("optimizer", self.optimizer, f"one of {', '.join(OPTIMIZERS)}")
        if self.batch_size is not None:
            self.batch_size = _positive_int("batch_size", self.batch_size)
        for name in ("beta1", "beta2"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
                raise bad(name, value, "a number in [0, 1)")
        self.epsilon = _positive_number("epsilon", self.epsilon)
        if isinstance(self.decay_rate, bool) or not isinstance(self.decay_rate, numbers.Real) \
                or not math.isfinite(self.decay_rate) or self.decay_rate < 0:
            raise bad("decay_rate", self.decay_rate, "a finite number >= 0")

    def penalty(self):
        return Penalty(self.l2, self.l1)

    def rate(self, epoch):
        """The learning rate of ``epoch``: alpha0 / (1 + decay_rate * epoch), alpha0 without decay."""
        return self.learning_rate if not self.decay_rate else self.learning_rate / (1 + self.decay_rate * epoch)

    def to_dict(self):
        return asdict(self)


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
        self.optimizer = make_optimizer(self.config.optimizer, beta1=self.config.beta1,
                                        beta2=self.config.beta2, epsilon=self.config.epsilon)
        self.history = History()
        self.iteration = 0
        self.stop_reason = None
        self._batches = None
        self._restored_perm = None
        self._grad = np.empty_like(network.params)
        self.augment = None  # X -> X on training batches only (regularization.augmentation attaches it)

    # -- the loop ------------------------------------------------------------------------------
    def fit(self, X, Y):
        net = self.network
        X = net.check_X(X)
        Y = net.check_Y(Y, X.shape[1])
        size = self.config.batch_size
        if self._batches is None:
            self._batches = _BatchPlan(X.shape[1], size if size and size < X.shape[1] else None,
                                       self._restored_perm)
        self.stop_reason = None
        for cb in self.callbacks:
            cb.on_train_begin(self)
        total = self.config.iterations
        try:
            with _interrupt_flag() as interrupted:
                while self.iteration < total and self.stop_reason is None:
                    end = self._next_boundary(total)
                    self._steps(X, Y, self.iteration, end, interrupted)
                    if interrupted.is_set():
                        self.stop_reason = "interrupted"
                        break
                    for cb in self.callbacks:
                        if cb.every and self.iteration % cb.every == 0 and cb.on_check(self, self.iteration):
                            self.stop_reason = self.stop_reason or getattr(cb, "reason", "callback")
        except TrainingDiverged as err:
            self._finish("diverged")
            err.history = self.history
            raise
        self._finish(self.stop_reason or "completed")
        return self.history

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

    def _fast_steps(self, X, Y, start, stop, interrupted):
        """Hand updates ``start .. stop-1`` to the compiled kernel (practicalnn.fast) when it serves
        this run; False, with nothing done, when it does not (``practicalnn.fast.why_not`` says why)."""
        from ..fast import dispatch
        return dispatch.run(self, X, Y, start, stop, interrupted)

    def _steps(self, X, Y, start, stop, interrupted):
        """Run updates ``start .. stop-1``: on the compiled fast path when it supports the run, else
        with the reference NumPy path below."""
        if self._fast_steps(X, Y, start, stop, interrupted):
            return
        net, cfg = self.network, self.config
        keep = self.keep if uses_dropout(self.keep) else None
        for it in range(start, stop):
            if interrupted.is_set():
                return
            Xb, Yb, epoch = self._batch(X, Y, it)
            cache = net.forward(Xb, keep, self.streams.masks)
            if it % cfg.record_every == 0:
                J, J0 = net.cost(cache, Yb, self.penalty)
                self.history.record(it, J, J0)
                if not math.isfinite(J):
                    self._diverged(it, f"the cost is {J}")
            grad = net.backward(cache, Yb, self.penalty, out=self._grad)
            if not np.isfinite(grad).all():
                self._diverged(it, "the gradient is not finite")
            self.optimizer.step(net.params, grad, cfg.rate(epoch))
            self.iteration = it + 1

    def _diverged(self, iteration, what):
        raise TrainingDiverged(
            f"training diverged at iteration {iteration}: {what}; try a smaller learning_rate "
            f"(now {self.config.learning_rate}); the parameters before this iteration are kept",
            iteration=iteration, history=self.history)

    def _batch(self, X, Y, it):
        plan = self._batches
        if plan.size is None:
            Xb, Yb, epoch = X, Y, it
        else:
            epoch, position = plan.locate(it, self.streams.shuffle)
            idx = plan.perm[position * plan.size:(position + 1) * plan.size]
            Xb, Yb = X[:, idx], Y[:, idx]
        if self.augment is not None:
            Xb = np.asarray(self.augment(Xb), dtype=X.dtype)
        return Xb, Yb, epoch

    # -- saving and restoring the whole state (for checkpoints) --------------------------------
    def state_dict(self):
        plan = self._batches
        return {"iteration": self.iteration, "params": self.network.params.copy(),
                "optimizer": self.optimizer.state_dict(), "masks": self.streams.masks.state(),
                "shuffle": self.streams.shuffle.bit_generator.state,
                "perm": None if plan is None or plan.perm is None else plan.perm.copy(),
                "history": self.history.to_dict(),
                "callbacks": [{"type": type(cb).__name__, "state": cb.state_dict()}
                              for cb in self.callbacks if stateful(cb)]}

    def load_state_dict(self, state):
        self.iteration = int(state["iteration"])
        self.network.set_params(state["params"])
        self.optimizer.load_state_dict(state["optimizer"])
        if state.get("masks") is not None:
            self.streams.masks.set_state(state["masks"])
        self.streams.shuffle.bit_generator.state = state["shuffle"]
        self.history = History.from_dict(state["history"])
        saved = state.get("callbacks") or []
        mine = [cb for cb in self.callbacks if stateful(cb)]
        if [c["type"] for c in saved] != [type(cb).__name__ for cb in mine]:
            raise bad("callbacks", [type(cb).__name__ for cb in mine],
                      f"the callbacks with state of the saved run: {[c['type'] for c in saved]}")
        for cb, c in zip(mine, saved):
            cb.load_state_dict(c["state"])
        perm = state.get("perm")
        self._restored_perm = None if perm is None else np.asarray(perm)
        if self._batches is not None:  # loaded from a callback's on_train_begin: the plan already exists
            self._batches.perm = self._restored_perm


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

"""Optimizers over the flat parameter buffer, with their state kept apart (as optax's init/update pairs).

An optimizer holds only its constants; ``init(params)`` returns its state (an ``OptimizerState``), and
``update(params, grad, learning_rate, state)`` makes one in-place step and advances that state. The
trainer owns the state, checkpoints save it (``state_to_dict`` / ``state_from_dict``) so that a
resumed run is bit-identical, and the compiled fast path reads and writes the same fields.
Conventions are the course's: Momentum v = beta1*v + (1-beta1)*g; RMSprop s = beta2*s + (1-beta2)*g^2;
Adam combines both with bias correction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..validation import Interval, Options, Real, check


@dataclass
class OptimizerState:
    """What an optimizer carries from one step to the next."""

    v: np.ndarray | None = None  # first moment (momentum, adam)
    s: np.ndarray | None = None  # second moment (rmsprop, adam)
    t: int = 0  # Adam's step count (its bias correction); the others leave it at 0


class Optimizer:
    """Base: the constants every optimizer of the course takes, and which moments it keeps."""

    name = ""
    moments: tuple[str, ...] = ()  # which of "v", "s" the state holds

    def __init__(self, beta1=0.9, beta2=0.999, epsilon=1e-8):
        self.beta1 = check("beta1", beta1, Interval(Real, 0, 1, closed="left"))
        self.beta2 = check("beta2", beta2, Interval(Real, 0, 1, closed="left"))
        self.epsilon = check("epsilon", epsilon, Interval(Real, 0, None, closed="neither"))

    def init(self, params):
        """A fresh state for ``params`` (zero moments, no steps)."""
        return OptimizerState(**{k: np.zeros_like(params) for k in self.moments})

    def update(self, params, grad, learning_rate, state):  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}(beta1={self.beta1}, beta2={self.beta2}, epsilon={self.epsilon})"


class GradientDescent(Optimizer):
    name = "gd"

    def update(self, params, grad, learning_rate, state):
        params -= learning_rate * grad


class Momentum(Optimizer):
    name = "momentum"
    moments = ("v",)

    def update(self, params, grad, learning_rate, state):
        state.v *= self.beta1
        state.v += (1 - self.beta1) * grad
        params -= learning_rate * state.v


class RMSprop(Optimizer):
    name = "rmsprop"
    moments = ("s",)

    def update(self, params, grad, learning_rate, state):
        state.s *= self.beta2
        state.s += (1 - self.beta2) * np.square(grad)
        params -= learning_rate * grad / (np.sqrt(state.s) + self.epsilon)


class Adam(Optimizer):
    name = "adam"
    moments = ("v", "s")

    def update(self, params, grad, learning_rate, state):
        state.t += 1
        state.v *= self.beta1
        state.v += (1 - self.beta1) * grad
        state.s *= self.beta2
        state.s += (1 - self.beta2) * np.square(grad)
        v_hat = state.v / (1 - self.beta1**state.t)
        s_hat = state.s / (1 - self.beta2**state.t)
        params -= learning_rate * v_hat / (np.sqrt(s_hat) + self.epsilon)


#: The optimizers by name: the one table the config, the CLI and the estimators read.
OPTIMIZERS = {cls.name: cls for cls in (GradientDescent, Momentum, RMSprop, Adam)}


def make_optimizer(name, *, beta1=0.9, beta2=0.999, epsilon=1e-8):
    """The optimizer called ``name`` (one of ``OPTIMIZERS``) with these constants."""
    return OPTIMIZERS[check("optimizer", name, Options(OPTIMIZERS))](beta1, beta2, epsilon)


def state_to_dict(optimizer, state):
    """The state as a checkpoint stores it: the moments this optimizer keeps, and Adam's step count."""
    out = {k: getattr(state, k) for k in optimizer.moments}
    if isinstance(optimizer, Adam):
        out["t"] = state.t
    return out


def state_from_dict(optimizer, saved, params):
    """The inverse of ``state_to_dict``; moments missing from ``saved`` start at zero."""
    state = optimizer.init(params)
    for k in optimizer.moments:
        if saved.get(k) is not None:
            setattr(state, k, np.array(saved[k]))
    state.t = int(saved.get("t", 0))
    return state

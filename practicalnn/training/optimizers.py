"""Optimizers over the flat parameter buffer: one in-place update per step.

Each is a small object with ``step(params, grad, learning_rate)`` and a state that can be saved
and restored (``state_dict`` / ``load_state_dict``) so that a resumed run is bit-identical.
Conventions are the course's: Momentum v = beta*v + (1-beta)*g; RMSprop s = beta2*s + (1-beta2)*g^2;
Adam combines both with bias correction.
"""

from __future__ import annotations

import numpy as np

from ..errors import bad


class GradientDescent:
    name = "gd"

    def step(self, params, grad, learning_rate):
        params -= learning_rate * grad

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


class Momentum:
    name = "momentum"

    def __init__(self, beta=0.9):
        self.beta = beta
        self.v = None

    def step(self, params, grad, learning_rate):
        if self.v is None:
            self.v = np.zeros_like(params)
        self.v *= self.beta
        self.v += (1 - self.beta) * grad
        params -= learning_rate * self.v

    def state_dict(self):
        return {"v": self.v}

    def load_state_dict(self, state):
        self.v = None if state.get("v") is None else np.array(state["v"])


class RMSprop:
    name = "rmsprop"

    def __init__(self, beta2=0.999, epsilon=1e-8):
        self.beta2, self.epsilon = beta2, epsilon
        self.s = None

    def step(self, params, grad, learning_rate):
        if self.s is None:
            self.s = np.zeros_like(params)
        self.s *= self.beta2
        self.s += (1 - self.beta2) * np.square(grad)
        params -= learning_rate * grad / (np.sqrt(self.s) + self.epsilon)

    def state_dict(self):
        return {"s": self.s}

    def load_state_dict(self, state):
        self.s = None if state.get("s") is None else np.array(state["s"])


class Adam:
    name = "adam"

    def __init__(self, beta1=0.9, beta2=0.999, epsilon=1e-8):
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self.v = self.s = None
        self.t = 0

    def step(self, params, grad, learning_rate):
        if self.v is None:
            self.v, self.s = np.zeros_like(params), np.zeros_like(params)
        self.t += 1
        self.v *= self.beta1
        self.v += (1 - self.beta1) * grad
        self.s *= self.beta2
        self.s += (1 - self.beta2) * np.square(grad)
        v_hat = self.v / (1 - self.beta1 ** self.t)
        s_hat = self.s / (1 - self.beta2 ** self.t)
        params -= learning_rate * v_hat / (np.sqrt(s_hat) + self.epsilon)

    def state_dict(self):
        return {"v": self.v, "s": self.s, "t": self.t}

    def load_state_dict(self, state):
        self.v = None if state.get("v") is None else np.array(state["v"])
        self.s = None if state.get("s") is None else np.array(state["s"])
        self.t = int(state.get("t", 0))


OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")


def make_optimizer(name, *, beta1=0.9, beta2=0.999, epsilon=1e-8):
    if name == "gd":
        return GradientDescent()
    if name == "momentum":
        return Momentum(beta1)
    if name == "rmsprop":
        return RMSprop(beta2, epsilon)
    if name == "adam":
        return Adam(beta1, beta2, epsilon)
    raise bad("optimizer", name, f"one of {', '.join(OPTIMIZERS)}")

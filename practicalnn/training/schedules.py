"""Learning-rate schedules (the course's "learning rate decay"), as small composable pieces.

A schedule maps the epoch number (0 for the first pass over the data; with full batches every update is
an epoch) to a factor of the initial rate alpha0:

    constant        1
    inverse         1 / (1 + decay_rate * epoch)
    exponential     base ** epoch                         (the course's 0.95 ** epoch_num)
    inverse_sqrt    k / sqrt(epoch + 1)                   (the course's k / sqrt(epoch_num), counted from 1)

and ``Staircase(schedule, time_interval)`` holds any of them constant over ``time_interval`` epochs:
it reads the inner schedule at ``floor(epoch / time_interval)`` (the course's fixed-interval decay).

``make_schedule`` builds one from the fields a TrainConfig carries, so checkpoints and model files hold a
schedule as plain numbers and strings.
"""

from __future__ import annotations

import math

from ..errors import argument_error
from ..validation import Integral, Interval, Options, Real, check

NAMES = ("constant", "inverse", "exponential", "inverse_sqrt")


class Constant:
    name = "constant"

    def factor(self, epoch):
        return 1.0


class InverseTime:
    name = "inverse"

    def __init__(self, decay_rate):
        self.decay_rate = check("decay_rate", decay_rate, Interval(Real, 0, None))

    def factor(self, epoch):
        return 1.0 / (1.0 + self.decay_rate * epoch)


class Exponential:
    name = "exponential"

    def __init__(self, base=0.95):
        self.base = check("decay_base", base, Interval(Real, 0, 1, closed="right"))

    def factor(self, epoch):
        return self.base**epoch


class InverseSqrt:
    name = "inverse_sqrt"

    def __init__(self, k=1.0):
        self.k = check("decay_k", k, Interval(Real, 0, None, closed="neither"))

    def factor(self, epoch):
        return self.k / math.sqrt(epoch + 1)


class Staircase:
    """``inner`` read at whole multiples of ``time_interval`` epochs."""

    def __init__(self, inner, time_interval):
        self.inner = inner
        self.time_interval = check("time_interval", time_interval, Interval(Integral, 1, None))
        self.name = f"staircase {inner.name}"

    def factor(self, epoch):
        return self.inner.factor(epoch // self.time_interval)


def make_schedule(name="inverse", *, decay_rate=0.0, decay_base=0.95, decay_k=1.0, time_interval=None):
    """The schedule called ``name`` (one of NAMES) with its parameter; a staircase when ``time_interval``."""
    name = check("lr_schedule", name, Options(NAMES))
    inner = {
        "constant": Constant,
        "inverse": lambda: InverseTime(decay_rate),
        "exponential": lambda: Exponential(decay_base),
        "inverse_sqrt": lambda: InverseSqrt(decay_k),
    }[name]()
    return inner if time_interval is None else Staircase(inner, time_interval)


def rate(schedule, learning_rate, epoch):
    """alpha0 * factor(epoch), refused (naming the schedule) when it is negative or not finite. (A rate that
    decays to 0 after very many epochs is allowed: it is where exponential decay goes.)"""
    value = learning_rate * schedule.factor(epoch)
    if not math.isfinite(value) or value < 0:
        raise argument_error(
            "lr_schedule", schedule.name, f"a schedule whose rate stays finite and >= 0 (epoch {epoch}: {value})"
        )
    return value

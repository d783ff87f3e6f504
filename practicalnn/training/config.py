"""The hyperparameters of a training run, checked once when they are set."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..core.dropout import keep_probs
from ..core.penalties import Penalty
from ..validation import Integral, Interval, Options, Real, check
from .optimizers import OPTIMIZERS
from .schedules import NAMES as SCHEDULES
from .schedules import make_schedule
from .schedules import rate as scheduled_rate

#: The schedule fields added after the others, with their defaults (``to_dict`` leaves them out at these).
_SCHEDULE_DEFAULTS = {"lr_schedule": "inverse", "decay_base": 0.95, "decay_k": 1.0, "time_interval": None}
POSITIVE = Interval(Real, 0, None, closed="neither")
COUNT = Interval(Integral, 1, None)
BETA = Interval(Real, 0, 1, closed="left")


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
    lr_schedule : str
        How the learning rate decays with the epoch (``training.schedules``): inverse (default,
        alpha0 / (1 + decay_rate * epoch); with decay_rate 0 the rate is constant), constant,
        exponential (alpha0 * decay_base ** epoch) or inverse_sqrt (alpha0 * decay_k / sqrt(epoch + 1)).
    decay_rate : float
        The inverse schedule's decay per epoch (>= 0): alpha = alpha0 / (1 + decay_rate * epoch).
    decay_base : float
        The exponential schedule's base, in (0, 1].
    decay_k : float
        The inverse_sqrt schedule's k (> 0).
    time_interval : int or None
        Hold the rate constant over this many epochs (the course's fixed-interval decay); None: every epoch.
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
    lr_schedule: str = "inverse"
    decay_base: float = 0.95
    decay_k: float = 1.0
    time_interval: int | None = None

    def __post_init__(self):
        self.learning_rate = check("learning_rate", self.learning_rate, POSITIVE)
        self.iterations = check("iterations", self.iterations, COUNT)
        self.record_every = check("record_every", self.record_every, COUNT)
        self.penalty()  # validates l2 and l1
        per_layer = isinstance(self.keep_prob, (list, tuple, np.ndarray)) and np.ndim(self.keep_prob) == 1
        n_layers = len(self.keep_prob) + 1 if per_layer else 2
        keep_probs(n_layers, list(self.keep_prob) if per_layer else self.keep_prob, self.input_keep_prob)
        self.keep_prob = [float(p) for p in self.keep_prob] if per_layer else float(self.keep_prob)
        self.optimizer = check("optimizer", self.optimizer, Options(OPTIMIZERS))
        self.batch_size = check("batch_size", self.batch_size, None, COUNT)
        self.beta1 = check("beta1", self.beta1, BETA)
        self.beta2 = check("beta2", self.beta2, BETA)
        self.epsilon = check("epsilon", self.epsilon, POSITIVE)
        self.decay_rate = check("decay_rate", self.decay_rate, Interval(Real, 0, None))
        self.lr_schedule = check("lr_schedule", self.lr_schedule, Options(SCHEDULES))
        self.time_interval = check("time_interval", self.time_interval, None, COUNT)
        schedule = self.schedule()  # validates decay_base and decay_k
        self.decay_base, self.decay_k = float(self.decay_base), float(self.decay_k)
        scheduled_rate(schedule, self.learning_rate, 0)  # a rate that is not finite from the start is refused

    def penalty(self):
        return Penalty(self.l2, self.l1)

    def schedule(self):
        """The learning-rate schedule these fields describe (``training.schedules.make_schedule``)."""
        return make_schedule(
            self.lr_schedule,
            decay_rate=self.decay_rate,
            decay_base=self.decay_base,
            decay_k=self.decay_k,
            time_interval=self.time_interval,
        )

    @property
    def plain_inverse(self):
        """True for the schedule the fused full-batch kernel computes itself: inverse decay every epoch."""
        return self.lr_schedule == "inverse" and self.time_interval is None

    def rate(self, epoch):
        """The learning rate of ``epoch`` under the schedule. The plain inverse schedule keeps its old
        arithmetic, alpha0 / (1 + decay_rate * epoch) (alpha0 without decay), bit for bit."""
        if self.plain_inverse:
            return self.learning_rate if not self.decay_rate else self.learning_rate / (1 + self.decay_rate * epoch)
        return scheduled_rate(self.schedule(), self.learning_rate, epoch)

    def to_dict(self):
        """The fields as a dict; the schedule's fields only when they differ from their defaults, so that
        what earlier versions wrote (checkpoints' run descriptions, results) reads the same."""
        out = asdict(self)
        for name, default in _SCHEDULE_DEFAULTS.items():
            if out[name] == default:
                del out[name]
        return out

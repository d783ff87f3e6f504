"""One playground run on the engine: a ``Trainer`` (its fast path included) trained in chunks, whose
settings can change between two chunks.

A chunk is a ``Trainer.fit`` up to a later iteration: the trainer keeps its network, optimizer state,
random streams and History across chunks, so a run cut into chunks is the run trained in one call
(the notebook's preset gives its published figures either way). Between chunks ``apply`` swaps what
changed: the TrainConfig, the penalty, the keep probabilities, the optimizer (its state reset only
when the optimizer changed), the data, or the whole network.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from ..core.dropout import keep_probs, uses_dropout
from ..core.network import Network
from ..errors import TrainingDiverged
from ..regularization.early_stopping import EarlyStopping
from ..training.optimizers import make_optimizer
from ..training.trainer import Trainer
from .datasets import make_data
from .frames import grid_points
from .settings import changed_groups, describe_change, train_config

#: Dropped units are shown when one step's masks are at most this many values (drawn again per frame).
MAX_MASK_VALUES = 1 << 18

#: Chunks are multiples of this many iterations; the trainer records J every this many iterations, and
#: early stopping checks the dev cost as often. The curves' points (train and dev, dropout off) are
#: taken at the end of each chunk: a callback at every 100 iterations would cut the compiled kernel's
#: runs short and halve the speed.
CURVE_EVERY = 100


class KeepBestOnStop(EarlyStopping):
    """The engine's early stopping; the best parameters go back only when it stopped the run, not at
    the end of every chunk."""

    def on_train_end(self, trainer):
        if trainer.history.stopped == self.reason:
            super().on_train_end(trainer)


class LiveRun:
    """The network, trainer and data of one playground tab."""

    def __init__(self, settings, upload=None):
        self.settings = settings
        self.upload = upload
        self.data = make_data(settings, upload)
        self.events = []  # (iteration, what changed) not yet handed to the page
        self._grid = self._grid_for = None
        self._changes = 0  # settings applied so far: the numbers of an iteration depend on them too
        self._numbers = self._numbers_key = None
        self.build_network()

    def build_network(self):
        s, d = self.settings, self.data
        n_out = 1 if s["output"] == "sigmoid" else d.n_classes
        self.network = Network([d.n_features, *s["hidden"], n_out], s["activation"], s["output"])
        self._encode()
        self.trainer = Trainer(self.network, train_config(s, 1, CURVE_EVERY), rng=s["seed"])
        self.network.initialize(s["init"], self.trainer.streams.init)
        self._changes += 1
        self.points = [{**self.numbers(), "iteration": 0}]  # not yet handed to the page
        self._history_taken = 0
        self._set_callbacks()

    def _encode(self):
        """The labels of each set as the network's output takes them (one-hot for softmax), once."""
        self.targets = {name: self.network.check_Y(Y, X.shape[1]) for name, X, Y in self.data.sets()}

    def _set_callbacks(self):
        callbacks = []
        if self.settings["early_stopping"]:
            d = self.data
            callbacks.append(KeepBestOnStop(d.dev_X, d.dev_Y, every=CURVE_EVERY, patience=self.settings["patience"]))
        self.trainer.callbacks = callbacks

    @property
    def grid(self):
        """The heat map's grid points over the current data (made once per data)."""
        if self._grid_for is not self.data:
            self._grid, self._grid_for = grid_points(self.data), self.data
        return self._grid

    def _fits(self):
        """Whether the network takes the data's features and gives its classes."""
        net, d = self.network, self.data
        n_out = 1 if net.output.name == "sigmoid" else d.n_classes
        return net.layer_sizes[0] == d.n_features and net.layer_sizes[-1] == n_out

    @property
    def iteration(self):
        return self.trainer.iteration

    def apply(self, new, upload=None):
        """Use settings ``new`` (checked) from the next chunk on. Returns the groups that changed."""
        groups = changed_groups(self.settings, new) | ({"data"} if upload is not None else set())
        if "data" in groups:  # made first: data that cannot be made changes nothing
            self.data = make_data(new, upload or self.upload)
        old, self.settings = self.settings, new
        self.upload = upload or self.upload
        self._changes += 1
        if "data" in groups and not self._fits():  # other features or classes: a network that takes them
            groups.add("network")
        if "network" in groups:
            self.events.clear()
            self.build_network()
            return groups
        if "data" in groups:
            self._encode()
            self.trainer.batch_plan = None  # the batches of the new data
        if "train" in groups:
            self._reconfigure(old, new)
        if "data" in groups or "run" in groups:
            self._set_callbacks()
        change = describe_change(old, new) or ("new data" if "data" in groups else "")
        if change and self.iteration > 0:
            self.events.append({"iteration": self.iteration, "change": change})
        return groups

    def _reconfigure(self, old, new):
        t = self.trainer
        t.config = train_config(new, max(1, t.iteration), CURVE_EVERY)
        t.penalty = t.config.penalty()
        t.keep = keep_probs(self.network.n_layers, t.config.keep_prob, t.config.input_keep_prob)
        if old["optimizer"] != new["optimizer"]:
            c = t.config
            t.optimizer = make_optimizer(c.optimizer, beta1=c.beta1, beta2=c.beta2, epsilon=c.epsilon)
            t.optimizer_state = t.optimizer.init(self.network.params)
        if old["batch_size"] != new["batch_size"]:
            t.batch_plan = None

    def train(self, iterations):
        """Train up to ``iterations`` more updates (capped by the stop condition). Returns why it
        stopped early ("stop iterations reached", early stopping, the target, or the divergence
        message), or None."""
        t = self.trainer
        target = min(t.iteration + iterations, self.settings["stop_iterations"])
        if t.iteration >= target:
            return "stop iterations reached"
        t.config.iterations = self.settings["stop_iterations"]  # the run's real end: its end-of-training check
        try:
            history = t.fit(self.data.train_X, self.targets["train"], until=target)  # a pause, not an end
        except TrainingDiverged as err:
            return f"diverged: {err}"
        point = {**self.numbers(), "iteration": t.iteration}
        self.points.append(point)
        target = self.settings["target_dev_error"]
        if target is not None and 1 - point["dev_accuracy"] <= target:
            return f"target dev error reached: {1 - point['dev_accuracy']:.4g} <= {target:g}"
        if history.stopped == "early_stopping":
            return (
                f"early stopping at iteration {t.iteration}: the dev cost did not improve for "
                f"{self.settings['patience']} checks; the parameters of iteration {history.best_iteration} are back"
            )
        if history.stopped != "completed":
            return history.stopped
        return "stop iterations reached" if t.iteration >= self.settings["stop_iterations"] else None

    def numbers(self):
        """``evaluate()`` of the current iteration and settings, computed once (the curve point and
        the frame read the same numbers)."""
        key = (self.iteration, self._changes)
        if self._numbers_key != key:
            self._numbers, self._numbers_key = self.evaluate(), key
        return self._numbers

    def evaluate(self):
        """Train, dev and test J (with penalty), data term and accuracy, without dropout (test: None
        when the data has no test set), and each layer's ||W||_F."""
        net, penalty = self.network, self.trainer.penalty
        out = {f"test_{k}": None for k in ("cost", "cost_data", "accuracy")}
        for name, X, _ in self.data.sets():
            Y = self.targets[name]
            with np.errstate(all="ignore"):
                cache = net.forward(X)
                J, J0 = net.cost(cache, Y, penalty)
                accuracy = net.output.accuracy(cache.A[net.n_layers], Y)
            out[f"{name}_cost"] = _finite(J)
            out[f"{name}_cost_data"] = _finite(J0)
            out[f"{name}_accuracy"] = accuracy
        with np.errstate(all="ignore"):
            out["w_norms"] = [_finite(np.linalg.norm(net.W[l])) for l in range(1, net.n_layers + 1)]
        return out

    def dropped(self):
        """Per layer 0..L-1 (0: the inputs), the units dropout drops for the first example of the
        next step: the next masks the trainer's own stream gives (drawn from a copy of it, so the run
        is untouched). None without dropout, or when one step's masks are too many to draw per frame."""
        t, net = self.trainer, self.network
        if not uses_dropout(t.keep):
            return None
        m, plan = self.data.train_X.shape[1], t.batch_plan
        if plan is not None and plan.size is not None:
            m = min(plan.size, m - (t.iteration % plan.per_epoch) * plan.size)
        if m * sum(net.layer_sizes[:-1]) > MAX_MASK_VALUES:
            return None
        masks = copy.deepcopy(t.streams.masks)
        masks.begin_pass()
        out = []
        for layer, p in enumerate(t.keep):  # in the order the forward pass draws them
            if p < 1:
                out.append(np.flatnonzero(~masks.draw((net.layer_sizes[layer], m), p)[:, 0]).tolist())
            else:
                out.append([])
        return out

    def take_points(self):
        """The curve points, change markers and the trainer's recorded J (``[iteration, J, J data
        term]``, with dropout when it is on: the notebook's printed cost) since the last take."""
        points, self.points = self.points, []
        events, self.events = self.events, []
        h = self.trainer.history
        recorded = [
            [i, c, c0]
            for i, c, c0 in zip(*(x[self._history_taken :] for x in (h.iterations, h.cost, h.cost_unpenalized)))
        ]
        self._history_taken = len(h.iterations)
        return points, events, recorded


def _finite(x):
    x = float(x)
    return x if math.isfinite(x) else None

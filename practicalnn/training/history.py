"""What a training run records."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..errors import argument_error


@dataclass
class History:
    """Costs recorded every ``record_every`` iterations, from the forward pass of that iteration
    (before its update), as the notebook does; iteration 0 included.

    ``cost`` includes the penalty (the notes' implementation tip: that is the J that must fall
    monotonically); ``cost_unpenalized`` is the data term alone. ``curves`` holds further series
    (a dev cost, say) as ``name -> (iterations, values)``. ``stopped`` says why training ended:
    "completed", "early_stopping", "interrupted" or "diverged".
    """

    iterations: list = field(default_factory=list)
    cost: list = field(default_factory=list)
    cost_unpenalized: list = field(default_factory=list)
    curves: dict = field(default_factory=dict)
    stopped: str = "completed"
    iterations_run: int = 0
    best_iteration: int | None = None

    def record(self, iteration, cost, cost_unpenalized):
        self.iterations.append(int(iteration))
        self.cost.append(float(cost))
        self.cost_unpenalized.append(float(cost_unpenalized))

    def add(self, curve, iteration, value):
        its, values = self.curves.setdefault(curve, ([], []))
        its.append(int(iteration))
        values.append(float(value))

    def epoch_costs(self, m, batch_size):
        """The course's cost per epoch: the sum over the epoch's mini-batches of each batch's summed cost,
        over m (``cost_total / m``), from a run that recorded every iteration (``record_every=1``) of
        mini-batches of ``batch_size`` over ``m`` examples (the last batch holds the remainder)."""
        per_epoch = math.ceil(m / batch_size)
        if self.iterations != list(range(len(self.iterations))):
            raise argument_error("record_every", "a history with gaps", "every iteration recorded (record_every=1)")
        sizes = [batch_size] * (m // batch_size) + ([m % batch_size] if m % batch_size else [])
        epochs = len(self.cost) // per_epoch
        return [
            sum(J * size for J, size in zip(self.cost[e * per_epoch : (e + 1) * per_epoch], sizes)) / m
            for e in range(epochs)
        ]

    def to_dict(self):
        return {
            "iterations": list(self.iterations),
            "cost_history": list(self.cost),
            "cost_unpenalized_history": list(self.cost_unpenalized),
            "curves": {k: {"iterations": list(i), "values": list(v)} for k, (i, v) in self.curves.items()},
            "stopped": self.stopped,
            "iterations_run": self.iterations_run,
            "best_iteration": self.best_iteration,
        }

    @classmethod
    def from_dict(cls, d):
        h = cls(list(d["iterations"]), list(d["cost_history"]), list(d["cost_unpenalized_history"]))
        h.curves = {k: (list(c["iterations"]), list(c["values"])) for k, c in d.get("curves", {}).items()}
        h.stopped = d.get("stopped", "completed")
        h.iterations_run = int(d.get("iterations_run", 0))
        h.best_iteration = d.get("best_iteration")
        return h

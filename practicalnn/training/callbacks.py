"""Training callbacks (the Keras shape): small objects the trainer calls at checkpoints.

A callback sets ``every`` (iterations between calls; None for begin/end only). The trainer runs
the steps between two calls without interruption, then calls ``on_check(trainer, iteration)``
with the parameters as they are after ``iteration`` updates. Returning True stops training.

``on_train_begin`` and ``on_check`` are called in list order and ``on_train_end`` in reverse (the
last to begin is the first to end). So a checkpoint ``Resume`` goes first, to load the state the
others continue from, and a ``CheckpointWriter`` last: it then saves what the others did at a check,
and at an interruption it saves before early stopping puts its best parameters back.

A callback whose state a resumed run needs (early stopping's best check, augmentation's random
generator) also defines ``state_dict()`` (a dict of JSON-able values and NumPy arrays) and
``load_state_dict(state)``; checkpoints save and restore it with the trainer's own state. A
callback without them is taken to keep state of its own unless it is known to keep none, and a run
that has one is not resumed.
"""

from __future__ import annotations


def stateful(callback):
    """Whether ``callback`` can save and restore its state (``state_dict``/``load_state_dict``)."""
    return callable(getattr(callback, "state_dict", None)) and callable(getattr(callback, "load_state_dict", None))


class Callback:
    every = None

    def on_train_begin(self, trainer):
        pass

    def on_check(self, trainer, iteration):
        return False

    def on_train_end(self, trainer):
        pass


class ProgressCallback(Callback):
    """Calls ``report(done, total)`` about ``updates`` times over the run (a progress bar's hook)."""

    def __init__(self, report, total, updates=100):
        self.report = report
        self.total = total
        self.every = max(1, total // updates)

    def on_train_begin(self, trainer):
        self.report(trainer.iteration, self.total)

    def on_check(self, trainer, iteration):
        self.report(iteration, self.total)
        return False

    def on_train_end(self, trainer):
        self.report(trainer.iteration, self.total)

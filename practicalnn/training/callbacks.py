"""Training callbacks (the Keras shape): small objects the trainer calls at checkpoints.

A callback sets ``every`` (iterations between calls; None for begin/end only). The trainer runs
the steps between two calls without interruption, then calls ``on_check(trainer, iteration)``
with the parameters as they are after ``iteration`` updates. Returning True stops training.
"""

from __future__ import annotations


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

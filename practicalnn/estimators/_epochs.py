"""Epochs for the estimators, as scikit-learn's MLP counts them: ``max_iter`` passes over the data, the
epoch's training loss (the mean of its mini-batch costs, weighted by batch size), a stop once that loss
has not fallen by ``tol`` for more than ``n_iter_no_change`` epochs, and ``verbose`` lines per epoch."""

from __future__ import annotations

import math

from ..training.callbacks import Callback

#: The mini-batch size ``batch_size="auto"`` picks, as MLPClassifier: min(AUTO_BATCH, n_samples).
AUTO_BATCH = 200


def batch_plan(batch_size, n_samples):
    """``(batch size for TrainConfig or None for full batch, updates per epoch)`` for ``n_samples``
    examples; None (full batch) also when one batch would hold them all."""
    if n_samples is None:
        return None if batch_size == "auto" else batch_size, 1
    size = min(AUTO_BATCH if batch_size == "auto" else (batch_size or n_samples), n_samples)
    if size >= n_samples:
        return None, 1
    return size, math.ceil(n_samples / size)


class EpochLoss(Callback):
    """Called once per epoch: records the epoch's training loss (history curve ``epoch_loss``), prints it
    when ``verbose`` (as scikit-learn's estimators do), and stops training when ``stop_on_loss`` and
    the loss has not improved by ``tol`` for more than ``n_iter_no_change`` epochs in a row."""

    reason = "converged"

    def __init__(self, n_samples, batch_size, per_epoch, *, tol, n_iter_no_change, stop_on_loss, verbose):
        self.every = per_epoch
        last = n_samples - (per_epoch - 1) * batch_size if batch_size else n_samples
        self.weights = [batch_size or n_samples] * (per_epoch - 1) + [last]
        self.n_samples = n_samples
        self.tol, self.n_iter_no_change = tol, n_iter_no_change
        self.stop_on_loss, self.verbose = stop_on_loss, verbose
        self.best = math.inf
        self.no_improvement = 0

    def on_check(self, trainer, iteration):
        history = trainer.history
        costs = history.cost[-self.every :]
        loss = sum(c * w for c, w in zip(costs, self.weights)) / self.n_samples
        history.add("epoch_loss", iteration, loss)
        epoch = iteration // self.every
        if self.verbose:
            dev = history.curves.get("dev_cost")
            extra = f", validation cost = {dev[1][-1]:.8f}" if dev and dev[0][-1] == iteration else ""
            print(f"Iteration {epoch}, loss = {loss:.8f}{extra}")
        if not self.stop_on_loss:
            return False
        self.no_improvement = self.no_improvement + 1 if loss > self.best - self.tol else 0
        self.best = min(self.best, loss)
        if self.no_improvement > self.n_iter_no_change:
            if self.verbose:
                print(
                    f"Training loss did not improve more than tol={self.tol:f} for "
                    f"{self.n_iter_no_change} consecutive epochs. Stopping."
                )
            return True
        return False

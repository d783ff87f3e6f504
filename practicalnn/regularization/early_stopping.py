"""Early stopping (notes 9): watch the dev cost beside the training cost, keep the best parameters.

Every ``every`` iterations the callback evaluates the network (without dropout) on the training
and dev sets, records both curves in the trainer's history (``train_cost`` and ``dev_cost``, plus
``dev_accuracy`` for classifiers), and remembers the parameters of the best check. After
``patience`` checks in a row without an improvement of at least ``min_delta`` it stops training,
and at the end it puts the best parameters back: the W with the smaller norm, picked before the
dev cost turned up.
"""

from __future__ import annotations

import numpy as np

from ..errors import argument_error
from ..training.callbacks import Callback
from ..validation import Integral, Interval, Options, Real, check


class EarlyStopping(Callback):
    """Stop when the dev cost (or accuracy) stops improving; restore the best parameters.

    Parameters
    ----------
    X_dev, Y_dev : arrays (n_x, m_dev), (n_y, m_dev)
        The dev set. It is only evaluated, never trained on.
    every : int
        Iterations between two checks.
    patience : int
        Checks without improvement before stopping.
    min_delta : float
        The least change that counts as an improvement.
    monitor : {"cost", "accuracy"}
        The unpenalized dev cost (lower is better) or the dev accuracy (higher is better).
    restore_best : bool
        Put the parameters of the best check back at the end of training.
    X_train, Y_train : arrays, optional
        The training set, to record the training cost (without dropout) at the same checks.
    """

    reason = "early_stopping"

    def __init__(
        self,
        X_dev,
        Y_dev,
        *,
        every=100,
        patience=10,
        min_delta=0.0,
        monitor="cost",
        restore_best=True,
        X_train=None,
        Y_train=None,
    ):
        self.every = check("every", every, Interval(Integral, 1, None))
        self.patience = check("patience", patience, Interval(Integral, 1, None))
        self.min_delta = check("min_delta", min_delta, Interval(Real, 0, None))
        self.monitor = check("monitor", monitor, Options(["cost", "accuracy"]))
        self.X_dev, self.Y_dev = X_dev, Y_dev
        self.restore_best = bool(restore_best)
        self.best_value = self.best_iteration = self.best_params = self.best_running = None
        self.wait = 0
        self.X_train, self.Y_train = X_train, Y_train
        self._X = self._Y = None
        self._train = (None, None)

    # -- the callback --------------------------------------------------------------------------
    def on_train_begin(self, trainer):
        net = trainer.network
        self._X = net.check_X(self.X_dev, "X_dev")
        self._Y = net.check_Y(self.Y_dev, self._X.shape[1], "Y_dev")
        if self.X_train is not None:
            X = net.check_X(self.X_train, "X_train")
            self._train = (X, net.check_Y(self.Y_train, X.shape[1], "Y_train"))
        if self.monitor == "accuracy" and net.output.name == "identity":
            raise argument_error("monitor", "accuracy", "'cost' for a regression (identity) output")
        if trainer.iteration == 0:  # a fresh run (a resumed one had its state restored)
            self.best_value = self.best_iteration = self.best_params = self.best_running = None
            self.wait = 0
            self.on_check(trainer, 0)

    def on_check(self, trainer, iteration):
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is the trainer's to report
            return self._check(trainer, iteration)

    def _check(self, trainer, iteration):
        net, history = trainer.network, trainer.history
        train_X, train_Y = self._train
        if train_X is not None:
            history.add("train_cost", iteration, net.cost(net.forward(train_X, training=False), train_Y)[1])
        cache = net.forward(self._X, training=False)  # batch norm: the running averages, as at prediction
        dev_cost = net.cost(cache, self._Y)[1]
        history.add("dev_cost", iteration, dev_cost)
        dev_acc = None
        if net.output.name != "identity":
            dev_acc = net.output.accuracy(cache.A[net.n_layers], self._Y)
            history.add("dev_accuracy", iteration, dev_acc)
        value = dev_cost if self.monitor == "cost" else -dev_acc
        if self.best_value is None or value < self.best_value - self.min_delta:
            self.best_value, self.best_iteration = value, iteration
            self.best_params = net.params.copy()
            # batch norm's running averages belong to these parameters: kept and put back with them
            self.best_running = [a.copy() for a in net.running.flat()] if net.normalized else None
            history.best_iteration = iteration
            self.wait = 0
            return False
        self.wait += 1
        return self.wait >= self.patience

    def on_train_end(self, trainer):
        if self.restore_best and self.best_params is not None:
            trainer.network.params[...] = self.best_params
            if self.best_running is not None:
                trainer.network.running.set_flat(*self.best_running)
        trainer.history.best_iteration = self.best_iteration

    def state_dict(self):
        """What a resumed run needs: the best check so far and the checks since."""
        return {
            "best_value": self.best_value,
            "best_iteration": self.best_iteration,
            "wait": self.wait,
            "best_params": self.best_params,
            **(
                {}
                if self.best_running is None
                else {"best_running_mean": self.best_running[0], "best_running_var": self.best_running[1]}
            ),
        }

    def load_state_dict(self, state):
        self.best_value, self.best_iteration = state["best_value"], state["best_iteration"]
        self.wait = int(state["wait"])
        best = state.get("best_params")
        self.best_params = None if best is None else np.array(best)
        running = state.get("best_running_mean"), state.get("best_running_var")
        self.best_running = None if running[0] is None else [np.array(running[0]), np.array(running[1])]

    @property
    def best_score(self):
        """The best dev cost, or the best dev accuracy, seen at a check."""
        if self.best_value is None:
            return None
        return self.best_value if self.monitor == "cost" else -self.best_value

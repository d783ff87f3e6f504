"""What normalizing the inputs buys (notes 10, "Why normalize?"): the same network trained on raw and
on standardized inputs, counting the iterations each needs to reach a target cost."""

from __future__ import annotations

import numpy as np

from ..core.network import Network
from ..data.scaling import standardize_dataset
from ..training.callbacks import Callback
from ..training.config import TrainConfig
from ..training.run import hidden_sizes
from ..training.trainer import Trainer
from ..validation import Interval, Real, check
from .stopping import InterruptionGuard, diverged_at, fit_through_divergence


class _CostTarget(Callback):
    """Callback: every ``every`` iterations, the full training cost (no dropout, no penalty); stop
    at the first check where it is at most ``target``."""

    reason = "target_reached"

    def __init__(self, X, Y, target, every=10):
        self.X, self.Y, self.target, self.every = X, Y, target, every
        self.reached = None
        self.curve = ([], [])

    def on_train_begin(self, trainer):
        self.X = trainer.network.check_X(self.X)
        self.Y = trainer.network.check_Y(self.Y, self.X.shape[1])
        self.on_check(trainer, trainer.iteration)

    def on_check(self, trainer, iteration):
        net = trainer.network
        cost = net.cost(net.forward(self.X), self.Y)[1]
        self.curve[0].append(iteration)
        self.curve[1].append(cost)
        if self.reached is None and cost <= self.target:
            self.reached = iteration
            return True
        return False


def normalization_effect(
    dataset,
    *,
    target_cost=0.1,
    hidden=(20, 3),
    activation="relu",
    init="he",
    rng=0,
    config=None,
    every=10,
    callbacks_for=None,
):
    """Train the same network on raw and on standardized inputs; count iterations to ``target_cost``.

    Both runs share everything else (initial weights, learning rate, optimizer) and stop as soon
    as the training cost (unpenalized, checked every ``every`` iterations) is at most
    ``target_cost``, or when ``config.iterations`` are spent.

    Returns
    -------
    dict
        ``{"target_cost": ..., "raw": {...}, "normalized": {...}, "speedup": ...}`` where each
        side has ``iterations_to_target`` (None if never reached), ``final_cost``, ``diverged_at``
        and its cost ``curve`` as ``{"iterations": [...], "cost": [...]}``.

    Raises
    ------
    Interrupted
        On Ctrl-C, with the sides that finished (the dict without ``speedup``) as ``partial``.
    """
    target_cost = check("target_cost", target_cost, Interval(Real, 0, None, closed="neither"))
    config = config or TrainConfig()
    normalized, scaler = standardize_dataset(dataset)
    out = {"target_cost": target_cost, "budget": config.iterations}
    sides = ("raw", dataset), ("normalized", normalized)
    with InterruptionGuard("normalization effect: interrupted before both runs finished", lambda: out) as guard:
        for side, data in sides:
            watch = _CostTarget(data.train_X, data.train_Y, target_cost, every)
            extra = callbacks_for(side) if callbacks_for else []
            net = Network([data.n_x, *hidden_sizes(hidden), data.n_y], activation, data.output)
            trainer = Trainer(net, config, rng=rng, callbacks=[watch, *extra])
            net.initialize(init, trainer.streams.init)
            history = fit_through_divergence(trainer, data.train_X, data.train_Y)
            guard.check(history)
            its, costs = watch.curve
            out[side] = {
                "iterations_to_target": watch.reached,
                "final_cost": costs[-1] if costs else None,
                "diverged_at": diverged_at(history),
                "curve": {"iterations": list(its), "cost": list(costs)},
            }
    raw, norm = out["raw"]["iterations_to_target"], out["normalized"]["iterations_to_target"]
    out["speedup"] = raw / max(norm, 1) if raw is not None and norm is not None else None
    out["feature_scales"] = {"smallest_std": float(np.min(scaler.scale_)), "largest_std": float(np.max(scaler.scale_))}
    return out

"""The optimizer study (the course's "Optimization methods"): one network, one dataset, several optimizers.

Every optimizer trains the same layer sizes from the same initial weights over the same mini-batch order
(the run's random streams come from one seed), so what differs is the update rule alone. What the course
claims is measured, not asserted: how far each gets (final train and dev accuracy), how fast (the
iterations until the mini-batch cost first falls to a target), and how much its cost oscillates from one
mini-batch to the next (the mean absolute change between consecutive recorded mini-batch costs: mini-batch
gradient descent zig-zags; momentum smooths the path; Adam and RMSprop damp the oscillation).

The default setup is the course's: moons with 300 training examples (``course_moons``), layers
[2, 5, 2, 1], relu, He initialization, mini-batches of 64, learning rate 0.0007.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..data.datasets import Dataset
from ..errors import Interrupted, TrainingDiverged, argument_error
from ..training.config import TrainConfig
from ..training.optimizers import OPTIMIZERS
from ..training.run import RunResult, fit_dataset, network_options_of
from ..validation import Integral, Interval, Options, Real, check

#: The optimizers the course compares, in its order.
STUDIED = ("gd", "momentum", "rmsprop", "adam")


def course_moons(n_train=300, n_dev=100, noise=0.2, seed=3):
    """The optimization exercise's moons: ``make_moons(300, noise=0.2)`` after ``np.random.seed(3)``,
    replayed from a local ``RandomState(3)`` (the global state is never touched), plus a dev set of
    ``n_dev`` examples drawn from the same distribution with the next seed."""
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=n_train, noise=noise, random_state=np.random.RandomState(seed))
    Xd, yd = make_moons(n_samples=n_dev, noise=noise, random_state=np.random.RandomState(seed + 1))
    return Dataset(
        "course_moons",
        X.T,
        y.reshape(1, -1).astype(float),
        Xd.T,
        yd.reshape(1, -1).astype(float),
        output="sigmoid",
        feature_names=["x1", "x2"],
        classes=[0, 1],
    )


def oscillation(costs):
    """The mean absolute change between consecutive costs: how much a cost curve zig-zags."""
    costs = np.asarray(costs, float)
    return float(np.mean(np.abs(np.diff(costs)))) if costs.size > 1 else 0.0


def iterations_to(iterations, costs, target):
    """The first recorded iteration whose cost is at most ``target``, or None."""
    for it, cost in zip(iterations, costs):
        if cost <= target:
            return int(it)
    return None


@dataclass
class OptimizerRun:
    """One optimizer of the study: its trained RunResult and what was measured on it."""

    optimizer: str
    result: RunResult
    iterations_to_target: int | None
    oscillation: float
    stopped: str = "completed"

    def to_dict(self):
        r = self.result
        return {
            "optimizer": self.optimizer,
            "train_accuracy": r.train_accuracy,
            "dev_accuracy": r.test_accuracy,
            "train_cost": r.train_cost,
            "dev_cost": r.test_cost,
            "final_batch_cost": r.history.cost[-1] if r.history.cost else None,
            "iterations_to_target": self.iterations_to_target,
            "oscillation": self.oscillation,
            "stopped": self.stopped,
            "iterations_run": r.history.iterations_run,
            "cost_iterations": list(r.history.iterations),
            "cost_history": list(r.history.cost),
        }


@dataclass
class OptimizerStudy:
    """The runs of a study with their shared setup."""

    dataset: str
    runs: list
    config: TrainConfig
    target_cost: float
    setup: dict = field(default_factory=dict)

    def run(self, optimizer):
        for r in self.runs:
            if r.optimizer == optimizer:
                return r
        raise argument_error(
            "optimizer", optimizer, f"one of those studied: {', '.join(r.optimizer for r in self.runs)}"
        )

    def to_dict(self):
        return {
            "dataset": self.dataset,
            **self.setup,
            "learning_rate": self.config.learning_rate,
            "batch_size": self.config.batch_size,
            "iterations": self.config.iterations,
            "decay_rate": self.config.decay_rate,
            "target_cost": self.target_cost,
            "runs": [r.to_dict() for r in self.runs],
        }


def compare_optimizers(
    dataset=None,
    *,
    optimizers=STUDIED,
    hidden=(5, 2),
    activation="relu",
    init="he",
    learning_rate=0.0007,
    batch_size=64,
    epochs=5000,
    beta1=0.9,
    beta2=0.999,
    epsilon=1e-8,
    decay_rate=0.0,
    target_cost=0.4,
    rng=0,
    callbacks_for=None,
    network_options=None,
):
    """Train the same network on ``dataset`` (default ``course_moons()``) once per optimizer.

    Parameters
    ----------
    dataset : Dataset, optional
        Trained on its training set; its test set is the dev set the accuracies are read on.
    optimizers : sequence of str
        Any of gd, momentum, rmsprop, adam, each at most once.
    hidden, activation, init : the network, the same for every optimizer.
    learning_rate, batch_size, epochs : float, int, int
        The same for every optimizer; ``epochs`` passes over the training set.
    beta1, beta2, epsilon, decay_rate : float
        The optimizers' constants and the learning-rate decay per epoch (1 / (1 + decay_rate * epoch)).
    target_cost : float
        The mini-batch cost whose first crossing is reported as ``iterations_to_target``.
    rng : int
        Seed of every run's streams: the same initial weights and mini-batch order for all.
    callbacks_for : callable, optional
        ``callbacks_for(optimizer) -> list of callbacks`` (progress bars).
    network_options : dict, optional
        Network keywords of every run: ``batch_norm``, ``bn_epsilon``, ``bn_decay``.

    Returns
    -------
    OptimizerStudy

    Raises
    ------
    ConfigError
        An optimizer diverged at this learning rate (the message names it and the iteration).
    Interrupted
        On Ctrl-C, with the study of the optimizers that finished as ``partial``.
    """
    dataset = dataset if dataset is not None else course_moons()
    optimizers = list(optimizers)
    if not optimizers or len(set(optimizers)) != len(optimizers):
        raise argument_error("optimizers", optimizers, f"distinct names among {', '.join(OPTIMIZERS)}")
    for name in optimizers:
        check("optimizers", name, Options(OPTIMIZERS))
    epochs = check("epochs", epochs, Interval(Integral, 1, None))
    target_cost = check("target_cost", target_cost, Interval(Real, 0, None, closed="neither"))
    seed = check("rng", rng, Interval(Integral, 0, None))
    batch_size = check("batch_size", batch_size, Interval(Integral, 1, None))
    options = network_options_of(network_options)
    m = dataset.train_X.shape[1]
    per_epoch = -(-m // batch_size)
    runs = []
    for name in optimizers:
        config = TrainConfig(
            learning_rate=learning_rate,
            iterations=epochs * per_epoch,
            optimizer=name,
            batch_size=batch_size,
            beta1=beta1,
            beta2=beta2,
            epsilon=epsilon,
            decay_rate=decay_rate,
            record_every=1,
        )
        callbacks = callbacks_for(name) if callbacks_for else []
        try:
            result = fit_dataset(
                dataset,
                hidden=hidden,
                activation=activation,
                init=init,
                rng=seed,
                config=config,
                callbacks=callbacks,
                name=name,
                **options,
            )
        except TrainingDiverged as err:
            raise argument_error(
                "learning_rate", learning_rate, f"a rate at which {name} does not diverge ({err})"
            ) from None
        if result.history.stopped == "interrupted":
            partial = _study(dataset, runs, config, target_cost, hidden, activation, init, seed) if runs else None
            raise Interrupted(f"the optimizer study was interrupted during {name}", partial)
        h = result.history
        runs.append(
            OptimizerRun(name, result, iterations_to(h.iterations, h.cost, target_cost), oscillation(h.cost), h.stopped)
        )
    return _study(dataset, runs, config, target_cost, hidden, activation, init, seed)


def _study(dataset, runs, config, target_cost, hidden, activation, init, seed):
    first = runs[0].result
    return OptimizerStudy(
        dataset.name,
        runs,
        config,
        target_cost,
        {
            "layer_sizes": first.setup["layer_sizes"],
            "activation": activation,
            "init": getattr(init, "name", init),
            "seed": seed,
            "hidden": list(hidden),
            "examples": dataset.train_X.shape[1],
            **({"batch_norm": first.setup["batch_norm"]} if "batch_norm" in first.setup else {}),
        },
    )

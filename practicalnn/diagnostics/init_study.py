"""The initialization study (notes 12 and 15): one network, one dataset, several initializations.

Each scheme trains the same layer sizes with the same learning rate, iterations and random streams
(so the schemes that draw random weights scale the very same standard-normal draw). What the notes
claim is measured, not asserted: whether the hidden units of a layer are still identical (every row
of W[l] equal, every entry of b[l] equal: symmetry not broken), how high the first cost is, and how
far beyond chance (always predicting the most frequent training class) the model gets, and how many
hidden units ended dead (zero on every training example: large relu weights kill units for good).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..core.batchnorm import DECAY, EPSILON
from ..core.initializers import Initializer
from ..core.network import Network
from ..data.splits import class_labels
from ..errors import DataError, argument_error
from ..training.run import RunResult, hidden_sizes, score
from ..training.trainer import TrainConfig, Trainer
from ..validation import Integral, Interval, Options, Real, check
from .stopping import InterruptionGuard, fit_through_divergence

#: The schemes the notes compare: zeros, large random (normal, scale 10), Xavier, He, the notebook's.
STUDIED = ("zeros", "normal", "xavier", "he", "notebook")


def identical_units(network, rtol=1e-10):
    """Hidden layers whose units are all identical: the layer numbers ``l`` (1..L-1, layers of more
    than one unit) where every row of W[l] equals the first and every entry of b[l] too (of gamma[l]
    and beta[l] for a batch-normalized layer), within ``rtol`` of the layer's largest parameter
    (exactly, for all-zero layers)."""
    same = []
    for layer in range(1, network.n_layers):
        W = network.W[layer]
        if W.shape[0] < 2:
            continue
        per_unit = [network.b[layer]] if network.b[layer] is not None else [network.gamma[layer], network.beta[layer]]
        tol = rtol * max(0.0, *(float(np.max(np.abs(p))) for p in [W, *per_unit]))
        if all(np.all(np.abs(p - p[0:1]) <= tol) for p in [W, *per_unit]):
            same.append(layer)
    return same


def dead_units(network, X):
    """Per hidden layer, how many units output exactly 0 for every column of X (dead relu units:
    no gradient flows through them, so they never come back)."""
    cache = network.forward(network.check_X(X))
    return [int(np.sum(np.all(cache.A[layer] == 0, axis=1))) for layer in range(1, network.n_layers)]


def chance_accuracy(dataset):
    """Accuracy of always predicting the most frequent training class, on train and test.
    None for a regression (identity) dataset."""
    if dataset.output == "identity":
        return {"train": None, "test": None}
    train, test = class_labels(dataset.train_Y), class_labels(dataset.test_Y)
    values, counts = np.unique(train, return_counts=True)
    majority = values[np.argmax(counts)]
    return {"train": float(np.mean(train == majority)), "test": float(np.mean(test == majority))}


@dataclass
class InitRun:
    """One scheme of the study: the trained RunResult and what was measured on it."""

    scheme: str
    result: RunResult
    identical_at_init: list
    identical_after: list
    dead_after: list
    batch_norm: bool = False

    @property
    def label(self):
        """The scheme, with " + batch norm" when every hidden layer of the run is batch-normalized."""
        return f"{self.scheme} + batch norm" if self.batch_norm else self.scheme

    @property
    def stopped(self):
        """How the run ended: "completed" or "diverged" (then the weights are its last finite ones)."""
        return self.result.history.stopped

    @property
    def symmetry_broken(self):
        """True when no hidden layer has all its units identical after training."""
        return not self.identical_after

    @property
    def initial_cost(self):
        return self.result.history.cost[0] if self.result.history.cost else None

    @property
    def final_cost(self):
        return self.result.history.cost[-1] if self.result.history.cost else None

    def to_dict(self):
        r = self.result
        return {
            "scheme": self.scheme,
            "label": self.label,
            "batch_norm": self.batch_norm,
            "initial_cost": self.initial_cost,
            "final_cost": self.final_cost,
            "train_accuracy": r.train_accuracy,
            "test_accuracy": r.test_accuracy,
            "train_cost": r.train_cost,
            "test_cost": r.test_cost,
            "symmetry_broken": self.symmetry_broken,
            "identical_layers_at_init": self.identical_at_init,
            "identical_layers_after_training": self.identical_after,
            "dead_units_after_training": self.dead_after,
            "stopped": self.stopped,
            "iterations_run": r.history.iterations_run,
            "cost_iterations": list(r.history.iterations),
            "cost_history": list(r.history.cost),
        }


@dataclass
class InitStudy:
    """The runs of a study, with the chance level and the shared setup."""

    dataset: str
    runs: list
    chance: dict
    config: TrainConfig
    setup: dict = field(default_factory=dict)

    def run(self, scheme, batch_norm=False):
        """The run of ``scheme``, the batch-normalized one with ``batch_norm``."""
        for r in self.runs:
            if r.scheme == scheme and r.batch_norm == batch_norm:
                return r
        raise argument_error("scheme", scheme, f"one of the runs studied: {', '.join(r.label for r in self.runs)}")

    def to_dict(self):
        return {
            "dataset": self.dataset,
            **self.setup,
            "learning_rate": self.config.learning_rate,
            "iterations": self.config.iterations,
            "config": self.config.to_dict(),
            "chance_accuracy": self.chance,
            "runs": [r.to_dict() for r in self.runs],
        }


def compare_initializations(
    dataset,
    *,
    schemes=STUDIED,
    hidden=(20, 3),
    activation="relu",
    learning_rate=0.05,
    iterations=15000,
    scale=10.0,
    rng=0,
    record_every=None,
    config=None,
    callbacks_for=None,
    batch_norm=False,
    bn_epsilon=EPSILON,
    bn_decay=DECAY,
):
    """Train the same network on ``dataset`` once per initialization scheme (twice with ``batch_norm``).

    Parameters
    ----------
    dataset : Dataset
    schemes : sequence of str
        Initialization schemes (see ``practicalnn.core.initializers.SCHEMES``).
    hidden : sequence of int or str
        Hidden layer sizes.
    activation : str
        Hidden activation.
    learning_rate, iterations : float, int
        The same for every scheme.
    scale : float
        Standard deviation of the "normal" scheme (the notes' large random: 10).
    rng : int or None
        Seed of every run's streams: each scheme starts from the same random draw.
    record_every : int, optional
        Cost recording interval (default: about 150 points per curve).
    config : TrainConfig, optional
        The other settings of every run, the same for each scheme: L2 and L1 penalties, dropout
        (``keep_prob``, ``input_keep_prob``), optimizer, ``batch_size``, ``decay_rate``, betas. Its
        learning rate, iterations and recording interval are replaced by the parameters above.
    callbacks_for : callable, optional
        ``callbacks_for(label) -> list of callbacks`` (progress bars); the label of a run is its
        scheme, with " + batch norm" for a batch-normalized one.
    batch_norm : bool
        Also train every scheme with every hidden layer batch-normalized (``bn_epsilon``, ``bn_decay``:
        the Network's), right after its plain run: the same draw of W, normalized before each activation.

    Returns
    -------
    InitStudy
        A run that diverges is kept, marked ``stopped="diverged"``, with its last finite weights.
    """
    if not schemes:
        raise argument_error("schemes", list(schemes), "at least one initialization scheme")
    check("rng", rng, None, Interval(Integral, 0, None))  # a seed: every scheme starts from the same draw
    check("scale", scale, Interval(Real, 0, None))
    check("batch_norm", batch_norm, Options([False, True]))
    variants = [{}, {"batch_norm": True, "bn_epsilon": bn_epsilon, "bn_decay": bn_decay}] if batch_norm else [{}]
    config = replace(config or TrainConfig(), learning_rate=learning_rate, iterations=iterations)
    config = replace(config, record_every=record_every or max(1, config.iterations // 150))
    sizes = [dataset.n_x, *hidden_sizes(hidden), dataset.n_y]
    if batch_norm and len(sizes) < 3:
        raise argument_error("batch_norm", True, "a network with hidden layers to normalize (hidden is empty)")
    runs: list = []

    def finished():
        return InitStudy(dataset.name, list(runs), chance_accuracy(dataset), config, _setup(runs, sizes, scale, rng))

    def message():
        return f"initialization study: {len(runs)} of {len(schemes) * len(variants)} run(s) finished"

    with InterruptionGuard(message, finished) as guard:
        for scheme in schemes:
            for options in variants:
                run = _train_scheme(dataset, scheme, sizes, activation, scale, config, rng, callbacks_for, options)
                guard.check(run.result.history)
                runs.append(run)
    return finished()


def _setup(runs, sizes, scale, rng):
    activation = runs[0].result.network.hidden.name if runs else None
    return {"layer_sizes": sizes, "activation": activation, "scale": float(scale), "seed": rng}


def _train_scheme(dataset, scheme, sizes, activation, scale, config, rng, callbacks_for, network_options):
    """One scheme of the study, trained and measured (a divergence kept: its history says so)."""
    init = Initializer(scheme, scale=scale)
    net = Network(sizes, activation, dataset.output, **network_options)
    label = f"{scheme} + batch norm" if net.normalized else scheme
    trainer = Trainer(net, config, rng=rng, callbacks=callbacks_for(label) if callbacks_for else ())
    net.initialize(init, trainer.streams.init)
    _check_finite_at_init(net, dataset, init)
    at_init = identical_units(net)
    with np.errstate(over="ignore", under="ignore"):  # saturated sigmoids of large weights are expected
        history = fit_through_divergence(trainer, dataset.train_X, dataset.train_Y)
        setup = {
            "dataset": dataset.name,
            "layer_sizes": sizes,
            "activation": net.hidden.name,
            "output": net.output.name,
            "init": scheme,
            **({"batch_norm": net.batch_norm} if net.normalized else {}),
        }
        result = _scored(RunResult(label, net, history, config, setup), dataset)
        with np.errstate(invalid="ignore"):  # a diverged run's weights may make inf - inf on the way
            dead = dead_units(net, dataset.train_X)
    return InitRun(scheme, result, at_init, identical_units(net), dead, bool(net.normalized))


def _scored(result, dataset):
    """``score(result, dataset)``; a diverged run whose last finite weights overflow the forward pass (normal
    weights over many layers: finite, but around 1e125) is kept with no accuracy and no cost."""
    try:
        return score(result, dataset)
    except DataError:
        if result.history.stopped != "diverged":
            raise
        return result


def _check_finite_at_init(net, dataset, init):
    """Refuse weights so large that the first forward pass overflows: then no cost, no accuracy and
    no "last finite parameters" exist. With the "normal" scheme that is the scale's doing."""
    try:
        net.forward_checked(dataset.train_X)
    except DataError as err:
        if init.name != "normal":
            raise
        raise argument_error(
            "scale",
            init.scale,
            f"a standard deviation small enough for the forward pass at initialization to stay finite: "
            f"normal({init.scale:g}^2) weights over {net.n_layers} layers overflow float64 "
            "(the notes' large random is 10)",
        ) from err

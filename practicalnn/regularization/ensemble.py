"""Model ensembles (notes 9): average the predicted probabilities of several networks.

Two ways to get the members: train K independent models that differ only by their seed
(initial weights, dropout masks, shuffles), or take snapshots of the parameters along a single
run and average those (a snapshot ensemble: K models for the price of one training).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import Interrupted, argument_error
from ..training.callbacks import Callback
from ..validation import Integral, Interval, Real, check


def average_proba(networks, X):
    """The mean of the members' output activations A[L] on X (n_x, m): (n_y, m)."""
    networks = list(networks)
    if not networks:
        raise argument_error("networks", networks, "at least one trained network")
    return np.mean([net.predict_proba(X) for net in networks], axis=0)


def ensemble_accuracy(networks, X, Y):
    """Accuracy of the averaged probabilities: threshold 0.5 (sigmoid) or argmax (softmax)."""
    P = average_proba(networks, X)
    return networks[0].output.accuracy(P, networks[0].check_Y(Y, P.shape[1]))


class Snapshots(Callback):
    """Copies of the parameters (and of batch normalization's running averages, the test-time state of
    that moment) at ``count`` evenly spaced checks over the last ``1 - start`` of a run.

    With ``iterations`` updates, checks fall every ``(1 - start) * iterations / count`` iterations
    (rounded); the last ``count`` of them are kept. A run too short for any check keeps its end."""

    def __init__(self, iterations, count=5, start=0.5):
        count = check("snapshots", count, Interval(Integral, 1, None))
        start = check("start", start, Interval(Real, 0, 1, closed="left"))
        iterations = check("iterations", iterations, Interval(Integral, 1, None))
        spacing = (1 - start) * iterations / count
        if spacing < 1:
            raise argument_error(
                "snapshots",
                count,
                f"at most {int((1 - start) * iterations)}: more snapshots than the {iterations} iterations "
                f"(the last {1 - start:.0%} of them) can space at least one apart",
            )
        self.every = int(round(spacing))
        self.first = (iterations // self.every - count + 1) * self.every
        self.count = count
        self.taken = []  # (iteration, params copy, running averages copy)

    @staticmethod
    def _take(trainer, iteration):
        net = trainer.network
        return iteration, net.params.copy(), tuple(a.copy() for a in net.running.flat())

    def on_check(self, trainer, iteration):
        if iteration >= self.first and (not self.taken or self.taken[-1][0] != iteration):
            self.taken.append(self._take(trainer, iteration))
            del self.taken[: -self.count]
        return False

    def on_train_end(self, trainer):
        if not self.taken:
            self.taken.append(self._take(trainer, trainer.iteration))


@dataclass
class Member:
    name: str
    network: object
    dev_accuracy: float
    test_accuracy: float | None = None
    detail: dict = field(default_factory=dict)

    def to_dict(self):
        return {
            "name": self.name,
            "dev_accuracy": self.dev_accuracy,
            "test_accuracy": self.test_accuracy,
            **self.detail,
        }


@dataclass
class EnsembleResult:
    """Every member's dev (and test) accuracy beside the ensemble's."""

    kind: str
    members: list
    dev_accuracy: float
    test_accuracy: float | None
    standardizer: object = None

    @property
    def networks(self):
        return [m.network for m in self.members]

    def predict_proba(self, X):
        """Averaged probabilities on raw inputs X (standardized first when the members were)."""
        if self.standardizer is not None:
            X = self.standardizer.transform(X)
        return average_proba(self.networks, X)

    def to_dict(self):
        accs = [m.dev_accuracy for m in self.members]
        return {
            "kind": self.kind,
            "members": [m.to_dict() for m in self.members],
            "ensemble_dev_accuracy": self.dev_accuracy,
            "ensemble_test_accuracy": self.test_accuracy,
            "mean_member_dev_accuracy": float(np.mean(accs)),
            "best_member_dev_accuracy": float(max(accs)),
            "standardizer": None if self.standardizer is None else self.standardizer.to_dict(),
        }


def _prepare(dataset, normalize):
    from ..data.scaling import standardize_dataset

    if getattr(dataset, "dev_X", None) is None:
        raise argument_error("dataset", dataset.name, "a dev set (see practicalnn.data.splits.with_dev)")
    if dataset.output == "identity":
        raise argument_error("dataset", dataset.name, "a classification dataset")
    return standardize_dataset(dataset) if normalize else (dataset, None)


def _finish(kind, members, dataset, scaler):
    nets = [m.network for m in members]
    test = ensemble_accuracy(nets, dataset.test_X, dataset.test_Y) if dataset.test_X.shape[1] else None
    return EnsembleResult(kind, members, ensemble_accuracy(nets, dataset.dev_X, dataset.dev_Y), test, scaler)


def _score(net, dataset):
    test = net.accuracy(dataset.test_X, dataset.test_Y) if dataset.test_X.shape[1] else None
    return net.accuracy(dataset.dev_X, dataset.dev_Y), test


def _train_member(data, seed, model, config):
    """One member as a task (on a worker or here): ``(network, how its run stopped)``."""
    from ..training.run import fit_dataset

    r = fit_dataset(data, rng=seed, config=config, **model)
    return r.network, r.history.stopped


def train_ensemble(
    dataset,
    k=5,
    *,
    seeds=None,
    hidden=(20, 3),
    activation="relu",
    init="he",
    config=None,
    normalize=False,
    callbacks_for=None,
    executor=None,
    network_options=None,
):
    """Train ``k`` independent networks (seeds ``0..k-1`` unless given) and average their probabilities.

    Parameters
    ----------
    dataset : Dataset
        Classification data with a dev set.
    k : int
        Number of members.
    seeds : list of int, optional
        One seed per member (weights, dropout masks, shuffles).
    hidden, activation, init, config
        The network and training of every member (see ``workflow.fit_dataset``).
    normalize : bool
        Standardize inputs with training statistics first.
    callbacks_for : callable, optional
        ``callbacks_for(i) -> list`` of extra callbacks for member i (a progress bar); in this
        process only.
    executor : optional
        Where the members train: an executor of ``experiments.tune.execution`` (a Dask cluster,
        the data sent once to each worker); None trains them here, one after another. A member is a
        pure function of its seed: the same network wherever it ran.
    network_options : dict, optional
        Network keywords of every member: ``batch_norm``, ``bn_epsilon``, ``bn_decay``.

    Returns
    -------
    EnsembleResult
    """
    from ..training.run import fit_dataset, network_options_of

    options = network_options_of(network_options)
    k = check("k", k, Interval(Integral, 1, None))
    seeds = list(range(k)) if seeds is None else list(seeds)
    if len(seeds) != k:
        raise argument_error("seeds", seeds, f"one seed per member ({k})")
    data, scaler = _prepare(dataset, normalize)
    model = {"hidden": hidden, "activation": activation, "init": init, **options}
    trained = {}  # member index -> network, of the members that finished

    def interrupted(i):
        done = [_member(trained[j], seeds[j], data) for j in sorted(trained)]
        at = f"while training member {i + 1} of {k}" if i is not None else f"with {len(done)} of {k} members trained"
        return Interrupted(f"ensemble interrupted {at}", _finish("independent", done, data, scaler) if done else None)

    if executor is None:
        for i, seed in enumerate(seeds):
            extra = callbacks_for(i) if callbacks_for else []
            r = fit_dataset(data, rng=seed, config=config, callbacks=extra, **model)
            if r.history.stopped == "interrupted":  # the finished members only: nothing half-trained
                raise interrupted(i)
            trained[i] = r.network
    else:
        shared = executor.put(data)
        try:
            for i, (net, stopped) in executor.map_unordered(
                _train_member, [(shared, seed, model, config) for seed in seeds]
            ):
                if stopped == "interrupted":
                    raise KeyboardInterrupt
                trained[i] = net
        except KeyboardInterrupt:
            raise interrupted(None) from None
    return _finish("independent", [_member(trained[i], seeds[i], data) for i in range(k)], data, scaler)


def _member(network, seed, data):
    dev, test = _score(network, data)
    return Member(f"seed {seed}", network, dev, test, {"seed": seed})


def snapshot_ensemble(
    dataset,
    snapshots=5,
    *,
    start=0.5,
    seed=0,
    hidden=(20, 3),
    activation="relu",
    init="he",
    config=None,
    normalize=False,
    callbacks=(),
    network_options=None,
):
    """Train one network and average ``snapshots`` checkpoints taken over the last ``1 - start`` of the run.

    ``network_options`` are the network's keywords (``batch_norm``, ``bn_epsilon``, ``bn_decay``); a
    snapshot of a normalized network keeps the running averages of its moment with its parameters.

    Returns
    -------
    EnsembleResult
        Members named by the iteration of their snapshot.
    """
    from ..training.run import fit_dataset, network_options_of
    from ..training.trainer import TrainConfig

    config = config or TrainConfig()
    data, scaler = _prepare(dataset, normalize)
    snap = Snapshots(config.iterations, snapshots, start)
    r = fit_dataset(
        data,
        hidden=hidden,
        activation=activation,
        init=init,
        rng=seed,
        config=config,
        callbacks=[snap, *callbacks],
        **network_options_of(network_options),
    )
    if r.history.stopped == "interrupted":  # one run, unfinished: no member is complete
        raise Interrupted(f"snapshot ensemble interrupted at iteration {r.history.iterations_run}", None)
    members = []
    for iteration, params, running in snap.taken:
        net = r.network.copy()
        net.set_params(params)
        net.running.set_flat(*running)
        dev, test = _score(net, data)
        members.append(Member(f"iteration {iteration}", net, dev, test, {"iteration": iteration}))
    return _finish("snapshot", members, data, scaler)

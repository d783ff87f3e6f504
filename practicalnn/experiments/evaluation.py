"""One run of the basic recipe: a network trained on a dataset's train set, scored on its dev set
and diagnosed (bias and variance, notes 3)."""

from __future__ import annotations

from dataclasses import dataclass

from ..data.scaling import standardize_dataset
from ..diagnostics.bias_variance import diagnose
from ..diagnostics.stopping import stop_if_interrupted
from ..errors import argument_error
from ..training.run import fit_dataset, network_options_of


@dataclass
class RunEvaluation:
    """A trained model with its train and dev errors and their diagnosis.

    ``dataset`` is the data the model was trained on (standardized when asked), ``standardizer``
    the fitted statistics (None without normalization)."""

    result: object
    dataset: object
    standardizer: object
    dev_accuracy: float
    dev_cost: float
    diagnosis: object

    @property
    def train_error(self):
        return self.diagnosis.train_error

    @property
    def dev_error(self):
        return self.diagnosis.dev_error

    def to_dict(self):
        r = self.result
        return {
            "layer_sizes": r.setup["layer_sizes"],
            **({"batch_norm": r.setup["batch_norm"]} if "batch_norm" in r.setup else {}),
            "train_accuracy": r.train_accuracy,
            "dev_accuracy": self.dev_accuracy,
            "test_accuracy": r.test_accuracy,
            "train_cost": r.train_cost,
            "dev_cost": self.dev_cost,
            "test_cost": r.test_cost,
            "iterations_run": r.history.iterations_run,
            "stopped": r.history.stopped,
            "diagnosis": self.diagnosis.to_dict(),
            "standardizer": None if self.standardizer is None else self.standardizer.to_dict(),
        }


def diagnose_on_dev(result, dataset, bayes_error=0.0, thresholds=None):
    """``(dev accuracy, dev cost, Diagnosis)`` of a trained ``result``: its network scored on the
    dataset's dev set, and its train and dev errors diagnosed (thresholds as ``diagnose``'s keywords)."""
    if dataset.dev_X is None:
        raise argument_error("dataset", dataset.name, "a dev set (see practicalnn.data.splits.with_dev)")
    acc, cost = result.network.evaluate(dataset.dev_X, dataset.dev_Y)
    return acc, cost, diagnose(1 - result.train_accuracy, 1 - acc, bayes_error, **(thresholds or {}))


def evaluate_run(
    dataset,
    *,
    hidden=(20, 3),
    activation="relu",
    init="he",
    rng=0,
    config=None,
    normalize=False,
    augmentation=None,
    callbacks=(),
    bayes_error=0.0,
    thresholds=None,
    name=None,
    network_options=None,
):
    """Train one network on ``dataset`` (which must have a dev set) and diagnose it.

    Parameters
    ----------
    dataset : Dataset
        With ``dev_X``/``dev_Y``; classification (sigmoid or softmax output).
    normalize : bool
        Standardize the inputs with statistics of the training set only.
    augmentation : Augmentation, optional
        Applied to training batches only.
    callbacks : sequence of Callback
        Passed to the trainer (progress, early stopping, ...).
    bayes_error, thresholds
        Passed to ``diagnose`` (thresholds as a dict of its keyword arguments).
    network_options : dict, optional
        Keywords of the Network: ``batch_norm``, ``bn_epsilon``, ``bn_decay``.

    Returns
    -------
    RunEvaluation

    Raises
    ------
    Interrupted
        When Ctrl-C stops the training (a half-trained model is not diagnosed); ``partial`` is None.
    """
    if dataset.output == "identity":
        raise argument_error("dataset", dataset.name, "a classification dataset (errors are 1 - accuracy)")
    if getattr(dataset, "dev_X", None) is None:
        raise argument_error("dataset", dataset.name, "a dev set (see practicalnn.data.splits.with_dev)")
    scaler = None
    if normalize:
        dataset, scaler = standardize_dataset(dataset)
    extra = [augmentation] if augmentation is not None else []
    result = fit_dataset(
        dataset,
        hidden=hidden,
        activation=activation,
        init=init,
        rng=rng,
        config=config,
        callbacks=[*extra, *callbacks],
        name=name,
        **network_options_of(network_options),
    )
    stop_if_interrupted(result.history, f"training interrupted at iteration {result.history.iterations_run}")
    dev_acc, dev_cost, d = diagnose_on_dev(result, dataset, bayes_error, thresholds)
    if scaler is not None:
        result.extra["standardizer"] = scaler.to_dict()
    result.extra.update({"dev_accuracy": dev_acc, "dev_cost": dev_cost, "diagnosis": d.to_dict()})
    return RunEvaluation(result, dataset, scaler, dev_acc, dev_cost, d)

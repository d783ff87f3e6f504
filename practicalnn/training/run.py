"""One training run on a Dataset, end to end: the shape every face (CLI, report) builds on."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..core.batchnorm import DECAY, EPSILON
from ..core.initializers import initializer
from ..core.network import Network
from ..core.params import SIZE
from ..data.datasets import Dataset
from ..errors import DataError, argument_error
from .trainer import TrainConfig, train


@dataclass
class RunResult:
    """A trained network with its history and scores on the dataset's train and test sets."""

    name: str
    network: Network
    history: object
    config: TrainConfig
    setup: dict
    train_accuracy: float | None = None
    test_accuracy: float | None = None
    train_cost: float | None = None
    test_cost: float | None = None
    extra: dict = field(default_factory=dict)

    def to_dict(self):
        out = {
            "name": self.name,
            **self.setup,
            **self.config.to_dict(),
            "cost_history": list(self.history.cost),
            "cost_unpenalized_history": list(self.history.cost_unpenalized),
            "cost_iterations": list(self.history.iterations),
            "stopped": self.history.stopped,
            "iterations_run": self.history.iterations_run,
            "train_accuracy": self.train_accuracy,
            "test_accuracy": self.test_accuracy,
            "train_cost": self.train_cost,
            "test_cost": self.test_cost,
        }
        out.update(self.extra)
        return out


def hidden_sizes(hidden):
    """Hidden layer sizes from a list or a comma string ("20,3"); "" or [] means none."""
    if isinstance(hidden, str):
        parts = [p.strip() for p in hidden.split(",") if p.strip()]
        try:
            hidden = [int(p) for p in parts]
        except ValueError:
            raise argument_error("hidden", hidden, "comma-separated positive integers, like 20,3") from None
    hidden = list(hidden)
    if any(SIZE.convert(n) is None for n in hidden):
        raise argument_error("hidden", hidden, "positive integers, like [20, 3]")
    return hidden


def with_output(dataset: Dataset, output="auto"):
    """``dataset`` with the output layer ``output`` (auto keeps its own), or an error naming the
    labels that do not fit: sigmoid needs two classes, softmax classes, identity real targets."""
    if output in (None, "auto") or output == dataset.output:
        return dataset
    classification = dataset.output in ("sigmoid", "softmax")
    n_classes = len(dataset.classes) if dataset.classes is not None else None
    if output == "softmax" and classification:
        return replace(dataset, output="softmax")
    if output == "sigmoid" and classification and n_classes == 2:
        return replace(dataset, output="sigmoid")
    kind = f"{n_classes} classes" if classification else "real-valued targets"
    raise argument_error(
        "output",
        output,
        f"an output that fits the labels of {dataset.name} ({kind}): "
        f"{'softmax' + (' or sigmoid' if n_classes == 2 else '') if classification else 'identity'}",
        DataError,
    )


#: The Network keywords a study or an ensemble passes on to every network it builds (``network_options``).
NETWORK_OPTIONS = ("batch_norm", "bn_epsilon", "bn_decay")


def network_options_of(options):
    """``options`` (None or a mapping of NETWORK_OPTIONS' keywords: batch normalization's) as a dict of
    Network keywords, or an error naming the keyword that is not one of them."""
    options = dict(options or {})
    for key in options:
        if key not in NETWORK_OPTIONS:
            raise argument_error("network_options", options, f"keywords among {', '.join(NETWORK_OPTIONS)}")
    return options


def fit_dataset(
    dataset: Dataset,
    *,
    hidden=(20, 3),
    activation="relu",
    init="notebook",
    rng="notebook",
    config=None,
    callbacks=(),
    name=None,
    dtype=np.float64,
    batch_norm=False,
    bn_epsilon=EPSILON,
    bn_decay=DECAY,
):
    """Build a network for ``dataset``, initialize it from the run's init stream, train it, score it.

    The defaults are the notebook's model: hidden layers [20, 3], relu, the notebook's
    initialization and random streams, and TrainConfig's defaults (learning rate 0.3, 30000
    iterations). ``batch_norm``, ``bn_epsilon`` and ``bn_decay`` are the Network's."""
    config = config or TrainConfig()
    initializer(init)  # a scheme is required here: train() would take None as "keep the weights"
    sizes = [dataset.n_x, *hidden_sizes(hidden), dataset.n_y]
    net = Network(
        sizes, activation, dataset.output, dtype, batch_norm=batch_norm, bn_epsilon=bn_epsilon, bn_decay=bn_decay
    )
    history = train(net, dataset.train_X, dataset.train_Y, config, rng=rng, init=init, callbacks=callbacks)
    return score(
        RunResult(
            name or dataset.name,
            net,
            history,
            config,
            {
                "dataset": dataset.name,
                "layer_sizes": sizes,
                "activation": net.hidden.name,
                "output": net.output.name,
                "init": getattr(init, "name", init),
                "rng": rng if isinstance(rng, (str, int, tuple)) or rng is None else "generator",
                **({"batch_norm": net.batch_norm} if net.normalized else {}),
            },
        ),
        dataset,
    )


def score(result: RunResult, dataset: Dataset):
    """Fill in train/test accuracy (classification) and unpenalized cost of a result."""
    net = result.network
    result.train_accuracy, result.train_cost = net.evaluate(dataset.train_X, dataset.train_Y)
    result.test_accuracy, result.test_cost = net.evaluate(dataset.test_X, dataset.test_Y)
    return result

"""The basic recipe for machine learning (notes 4), run as a loop.

    train -> diagnose -> act -> train again ...

High bias (the network does not even fit the training set): a bigger network, training longer,
a better optimizer. High variance (it fits the training set but not the dev set): more
regularization (L2, dropout) or more data, here made by augmentation. Bias first, as the notes
say ("until you can fit at least the training data pretty well"), then variance.

The loop is a greedy search driven by the diagnosis: every step starts from the best run so far
(lowest dev error) and applies the next action for its verdict. An action that helped is tried
again; one that did not is dropped back from and the next action in the list is tried. It stops
when the dev error meets the target (or, without a target, when the verdict is "fine"), or when
the budget of runs is spent.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from ..data.scaling import standardize_dataset
from ..diagnostics.bias_variance import diagnose
from ..errors import bad
from ..regularization.augmentation import augmentation_from
from ..training.run import fit_dataset
from ..training.trainer import TrainConfig


# -- one run, evaluated on train and dev ----------------------------------------------------------
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
        raise bad("dataset", dataset.name, "a dev set (see practicalnn.data.splits.with_dev)")
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

    Returns
    -------
    RunEvaluation
    """
    if dataset.output == "identity":
        raise bad("dataset", dataset.name, "a classification dataset (errors are 1 - accuracy)")
    if getattr(dataset, "dev_X", None) is None:
        raise bad("dataset", dataset.name, "a dev set (see practicalnn.data.splits.with_dev)")
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
    )
    dev_acc, dev_cost, d = diagnose_on_dev(result, dataset, bayes_error, thresholds)
    if scaler is not None:
        result.extra["standardizer"] = scaler.to_dict()
    result.extra.update({"dev_accuracy": dev_acc, "dev_cost": dev_cost, "diagnosis": d.to_dict()})
    return RunEvaluation(result, dataset, scaler, dev_acc, dev_cost, d)


# -- the settings the recipe turns ----------------------------------------------------------------
@dataclass(frozen=True)
class Settings:
    """What the recipe may change between runs."""

    hidden: tuple = (20, 3)
    iterations: int = 2000
    optimizer: str = "gd"
    learning_rate: float = 0.3
    l2: float = 0.0
    keep_prob: float = 1.0
    jitter: float = 0.0
    shift: int = 0

    def describe(self):
        parts = [
            f"hidden {','.join(map(str, self.hidden)) or 'none'}",
            f"{self.iterations} it",
            f"{self.optimizer} lr {self.learning_rate:g}",
        ]
        if self.l2:
            parts.append(f"L2 {self.l2:g}")
        if self.keep_prob < 1:
            parts.append(f"keep_prob {self.keep_prob:g}")
        if self.jitter:
            parts.append(f"jitter {self.jitter:g}")
        if self.shift:
            parts.append(f"shift {self.shift}px")
        return ", ".join(parts)

    def to_dict(self):
        return {**dataclasses.asdict(self), "hidden": list(self.hidden)}


def _wider(s, dataset):
    if not s.hidden:
        return dataclasses.replace(s, hidden=(16,)), "hidden layer of 16"
    if max(s.hidden) >= 512:
        return None
    hidden = tuple(2 * n for n in s.hidden)
    return dataclasses.replace(s, hidden=hidden), f"wider network: hidden {_h(s.hidden)} -> {_h(hidden)}"


def _deeper(s, dataset):
    if len(s.hidden) >= 6:
        return None
    hidden = (*s.hidden, s.hidden[-1] if s.hidden else 16)
    return dataclasses.replace(s, hidden=hidden), f"deeper network: hidden {_h(s.hidden)} -> {_h(hidden)}"


def _longer(s, dataset):
    if s.iterations >= 200_000:
        return None
    return dataclasses.replace(
        s, iterations=2 * s.iterations
    ), f"train longer: {s.iterations} -> {2 * s.iterations} iterations"


def _adam(s, dataset):
    if s.optimizer == "adam":
        return None
    return dataclasses.replace(s, optimizer="adam", learning_rate=0.01), "better optimizer: Adam, learning rate 0.01"


def _more_l2(s, dataset):
    # the penalty acts through lambda/m (dW += lambda/m * W): start where lambda/m is about 0.01
    m = dataset.train_X.shape[1]
    l2 = float(10 ** round(math.log10(max(0.01 * m, 0.01)))) if s.l2 == 0 else 3 * s.l2
    if l2 > 10 * m:
        return None
    return dataclasses.replace(s, l2=l2), f"regularize: L2 lambda {s.l2:g} -> {l2:g}"


def _more_dropout(s, dataset):
    keep = round(s.keep_prob - 0.1, 10)
    if keep < 0.5:
        return None
    return dataclasses.replace(s, keep_prob=keep), f"regularize: dropout keep_prob {s.keep_prob:g} -> {keep:g}"


def _more_augmentation(s, dataset):
    if getattr(dataset, "image_shape", None) and s.shift == 0:
        return dataclasses.replace(s, shift=1), "augment: random shifts of 1 pixel"
    jitter = 0.05 if s.jitter == 0 else 2 * s.jitter
    if jitter > 1:
        return None
    return dataclasses.replace(s, jitter=jitter), f"augment: Gaussian jitter sigma {s.jitter:g} -> {jitter:g}"


def _architecture(s, dataset):
    """Another architecture for variance (notes 4): a wider network with the same regularization.
    In the deep learning era a bigger, regularized network lowers variance too ("training a bigger
    neural network never hurts")."""
    proposal = _wider(s, dataset)
    if proposal is None:
        return None
    return proposal[0], "another architecture: " + proposal[1]


def _h(hidden):
    return ",".join(map(str, hidden)) or "none"


BIAS_ACTIONS = (_wider, _longer, _adam, _deeper)
VARIANCE_ACTIONS = (_more_l2, _more_dropout, _more_augmentation, _architecture)


# -- the loop -------------------------------------------------------------------------------------
@dataclass
class Step:
    """One run of the recipe: what changed, where it started from, and what came out."""

    index: int
    change: str
    based_on: int | None
    settings: Settings
    evaluation: RunEvaluation

    @property
    def train_error(self):
        return self.evaluation.train_error

    @property
    def dev_error(self):
        return self.evaluation.dev_error

    @property
    def verdict(self):
        return self.evaluation.diagnosis.verdict

    def to_dict(self):
        d = self.evaluation.diagnosis
        return {
            "step": self.index,
            "change": self.change,
            "based_on": self.based_on,
            "settings": self.settings.to_dict(),
            "train_error": d.train_error,
            "dev_error": d.dev_error,
            "avoidable_bias": d.avoidable_bias,
            "variance": d.variance,
            "verdict": d.verdict,
            "test_error": 1 - self.evaluation.result.test_accuracy,
        }


@dataclass
class RecipeResult:
    steps: list
    best: Step
    target_dev_error: float | None
    stopped: str
    notes: list = field(default_factory=list)

    @property
    def reached(self):
        return self.target_dev_error is not None and self.best.dev_error <= self.target_dev_error

    def to_dict(self):
        return {
            "steps": [s.to_dict() for s in self.steps],
            "best_step": self.best.index,
            "best": self.best.to_dict(),
            "target_dev_error": self.target_dev_error,
            "reached_target": self.reached,
            "stopped": self.stopped,
            "notes": list(self.notes),
        }


def _done(step, target):
    if target is not None:
        return step.dev_error <= target
    return step.verdict == "fine"


def _kind(diagnosis):
    if diagnosis.high_bias:
        return "bias"
    if diagnosis.high_variance:
        return "variance"
    return "bias" if diagnosis.avoidable_bias >= diagnosis.variance else "variance"


def _untried(action, settings, dataset, tried, depth=4):
    """``action`` applied to ``settings``; where that was tried already, applied again (a stronger
    dose: lambda 10 -> 30) up to ``depth`` times. None when nothing new comes out."""
    proposal = action(settings, dataset)
    while proposal is not None and proposal[0] in tried and depth > 0:
        stronger = action(proposal[0], dataset)
        proposal = None if stronger is None else (stronger[0], _joined(proposal[1], stronger[1]))
        depth -= 1
    return None if proposal is None or proposal[0] in tried else proposal


def _joined(first, second):
    """'L2 lambda 0 -> 10' then 'L2 lambda 10 -> 30' read as 'L2 lambda 0 -> 30'."""
    head, _, start = first.partition(" -> ")
    _, _, end = second.partition(" -> ")
    return f"{head} -> {end}" if start and end else second


def basic_recipe(
    dataset,
    *,
    settings=None,
    target_dev_error=None,
    max_runs=8,
    activation="relu",
    init="he",
    seed=0,
    normalize=True,
    bayes_error=0.0,
    thresholds=None,
    batch_size=None,
    record_every=None,
    on_step=None,
    callbacks_for=None,
):
    """Run the basic recipe until the dev error meets ``target_dev_error`` or ``max_runs`` runs are spent.

    Parameters
    ----------
    dataset : Dataset
        Classification data with a dev set (``practicalnn.data.splits.with_dev`` makes one).
    settings : Settings
        The first run's network and training settings.
    target_dev_error : float or None
        Stop once a run's dev error is at most this; None stops at the first "fine" verdict.
    max_runs : int
        The budget: at most this many trainings.
    seed : int
        Every run uses the same seed, so runs differ only by what the recipe changed.
    normalize : bool
        Standardize inputs with training statistics (recommended: the notes' section 10).
    bayes_error, thresholds
        Passed to ``diagnose``.
    on_step : callable, optional
        Called with each Step as it completes (the CLI prints rows as they come).
    callbacks_for : callable, optional
        ``callbacks_for(settings) -> list`` of extra callbacks for a run (a progress bar).

    Returns
    -------
    RecipeResult
        Every step (change, train and dev error, verdict) and the best one.
    """
    settings = settings or Settings()
    if isinstance(max_runs, bool) or not isinstance(max_runs, int) or max_runs < 1:
        raise bad("max_runs", max_runs, "an integer >= 1")
    if target_dev_error is not None and (
        not isinstance(target_dev_error, (int, float)) or not 0 <= target_dev_error <= 1
    ):
        raise bad("target_dev_error", target_dev_error, "an error rate in [0, 1], or None")
    steps, best = [], None
    change, based_on = "start", None
    pointers = {"bias": 0, "variance": 0}
    last = None  # (kind, action) that made the current candidate
    stopped = "budget"
    current = settings
    tried = {settings}
    while True:
        evaluation = _run(
            dataset,
            current,
            activation,
            init,
            seed,
            normalize,
            bayes_error,
            thresholds,
            batch_size,
            record_every,
            callbacks_for,
        )
        step = Step(len(steps) + 1, change, based_on, current, evaluation)
        steps.append(step)
        if on_step is not None:
            on_step(step)
        improved = best is None or step.dev_error < best.dev_error
        if improved:
            best = step
        if _done(step, target_dev_error):
            stopped = "target met" if target_dev_error is not None else "fine"
            break
        if len(steps) >= max_runs:
            break
        kind = _kind(best.evaluation.diagnosis)
        proposal = None
        actions = BIAS_ACTIONS if kind == "bias" else VARIANCE_ACTIONS
        if improved and last is not None and last[0] == kind:
            action = last[1]
            proposal = _untried(action, best.settings, dataset, tried)
        if proposal is None:
            for _ in range(len(actions)):
                action = actions[pointers[kind] % len(actions)]
                pointers[kind] += 1
                if last is not None and action is last[1] and not improved:
                    continue
                proposal = _untried(action, best.settings, dataset, tried)
                if proposal is not None:
                    break
        if proposal is None:
            stopped = f"no {kind} action left"
            break
        current, change = proposal
        tried.add(current)
        based_on, last = best.index, (kind, action)
    notes = []
    if best.evaluation.diagnosis.high_variance:
        notes.append("the variance is still high: more real data is the recipe's first remedy")
    return RecipeResult(steps, best, target_dev_error, stopped, notes)


def _run(
    dataset, s, activation, init, seed, normalize, bayes_error, thresholds, batch_size, record_every, callbacks_for
):
    config = TrainConfig(
        learning_rate=s.learning_rate,
        iterations=s.iterations,
        l2=s.l2,
        keep_prob=s.keep_prob,
        optimizer=s.optimizer,
        batch_size=batch_size,
        record_every=record_every or max(1, s.iterations // 20),
    )
    augmentation = augmentation_from(
        jitter=s.jitter, shift=s.shift, image_shape=getattr(dataset, "image_shape", None), seed=seed
    )
    callbacks = callbacks_for(s) if callbacks_for is not None else []
    return evaluate_run(
        dataset,
        hidden=list(s.hidden),
        activation=activation,
        init=init,
        rng=seed,
        config=config,
        normalize=normalize,
        augmentation=augmentation,
        callbacks=callbacks,
        bayes_error=bayes_error,
        thresholds=thresholds,
    )

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

from dataclasses import dataclass, field, replace

from ..diagnostics.stopping import InterruptionGuard
from ..regularization.augmentation import augmentation_from
from ..training.trainer import TrainConfig
from ..validation import Integral, Interval, Real, check
from .evaluation import RunEvaluation, diagnose_on_dev, evaluate_run
from .recipe_actions import BIAS_ACTIONS, VARIANCE_ACTIONS, Settings, _untried

__all__ = ["RecipeResult", "RunEvaluation", "Settings", "Step", "basic_recipe", "diagnose_on_dev", "evaluate_run"]


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
        d, setup = self.evaluation.diagnosis, self.evaluation.result.setup
        return {
            "step": self.index,
            "change": self.change,
            "based_on": self.based_on,
            "settings": self.settings.to_dict(),
            **({"batch_norm": setup["batch_norm"]} if "batch_norm" in setup else {}),
            "train_error": d.train_error,
            "dev_error": d.dev_error,
            "avoidable_bias": d.avoidable_bias,
            "variance": d.variance,
            "verdict": d.verdict,
            "test_error": 1 - self.evaluation.result.test_accuracy,
            "config": self.evaluation.result.config.to_dict(),
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
    config=None,
    on_step=None,
    callbacks_for=None,
    network_options=None,
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
    batch_size : int, optional
        Mini-batch size of every run (default: ``config``'s, full batch without one).
    record_every : int, optional
        Cost recording interval (default: 20 points a run).
    config : TrainConfig, optional
        What every run shares beyond what the recipe changes: ``l1``, ``input_keep_prob``,
        ``decay_rate``, the betas, ``epsilon``, ``batch_size``. Its learning rate, iterations, L2,
        keep_prob and optimizer are the settings' (the first run's ``settings``, then the recipe's).
    on_step : callable, optional
        Called with each Step as it completes (the CLI prints rows as they come).
    callbacks_for : callable, optional
        ``callbacks_for(settings) -> list`` of extra callbacks for a run (a progress bar).
    network_options : dict, optional
        Keywords of every run's Network: ``batch_norm``, ``bn_epsilon``, ``bn_decay``.

    Returns
    -------
    RecipeResult
        Every step (change, train and dev error, verdict) and the best one.

    Raises
    ------
    Interrupted
        On Ctrl-C; ``partial`` is the RecipeResult of the runs that finished (``stopped`` is
        "interrupted"), or None when none had.
    """
    settings = settings or Settings()
    check("max_runs", max_runs, Interval(Integral, 1, None))
    target_dev_error = check("target_dev_error", target_dev_error, None, Interval(Real, 0, 1))
    base = config or TrainConfig()
    if batch_size is not None:
        base = replace(base, batch_size=batch_size)
    network = {"activation": activation, "init": init, "rng": seed, "network_options": network_options}
    run_args = (network, normalize, bayes_error, thresholds, base, record_every, callbacks_for)
    steps: list = []
    best, stopped, search = None, "budget", _Search(dataset, settings)
    current, change, based_on = settings, "start", None

    def finished():
        return _result(steps, best, target_dev_error, "interrupted") if steps else None

    with InterruptionGuard(lambda: f"basic recipe: {len(steps)} run(s) finished", finished):
        while True:
            step = Step(len(steps) + 1, change, based_on, current, _run(dataset, current, *run_args))
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
            proposal, kind = search.propose(best, improved)
            if proposal is None:
                stopped = f"no {kind} action left"
                break
            (current, change), based_on = proposal, best.index
    return _result(steps, best, target_dev_error, stopped)


def _result(steps, best, target_dev_error, stopped):
    notes = []
    if best.evaluation.diagnosis.high_variance:
        notes.append("the variance is still high: more real data is the recipe's first remedy")
    return RecipeResult(list(steps), best, target_dev_error, stopped, notes)


class _Search:
    """The greedy search's memory: the settings tried, and per kind ("bias", "variance") the next
    action in its list and the action that made the last candidate."""

    def __init__(self, dataset, settings):
        self.dataset = dataset
        self.tried = {settings}
        self.pointers = {"bias": 0, "variance": 0}
        self.last = None  # (kind, action) that made the current candidate

    def propose(self, best, improved):
        """``((settings, change), kind)`` of the next run, from the best step so far: the last action
        again when it helped, else the next untried action for the best step's verdict;
        ``(None, kind)`` when no action is left."""
        kind = _kind(best.evaluation.diagnosis)
        actions = BIAS_ACTIONS if kind == "bias" else VARIANCE_ACTIONS
        last, proposal, action = self.last, None, None
        if improved and last is not None and last[0] == kind:
            action = last[1]
            proposal = _untried(action, best.settings, self.dataset, self.tried)
        if proposal is None:
            for _ in range(len(actions)):
                action = actions[self.pointers[kind] % len(actions)]
                self.pointers[kind] += 1
                if last is not None and action is last[1] and not improved:
                    continue
                proposal = _untried(action, best.settings, self.dataset, self.tried)
                if proposal is not None:
                    break
        if proposal is not None:
            self.tried.add(proposal[0])
            self.last = (kind, action)
        return proposal, kind


def _run(dataset, s, network, normalize, bayes_error, thresholds, base, record_every, callbacks_for):
    config = replace(
        base,
        learning_rate=s.learning_rate,
        iterations=s.iterations,
        l2=s.l2,
        keep_prob=s.keep_prob,
        optimizer=s.optimizer,
        record_every=record_every or max(1, s.iterations // 20),
    )
    augmentation = augmentation_from(
        jitter=s.jitter, shift=s.shift, image_shape=getattr(dataset, "image_shape", None), seed=network["rng"]
    )
    callbacks = callbacks_for(s) if callbacks_for is not None else []
    return evaluate_run(
        dataset,
        hidden=list(s.hidden),
        config=config,
        normalize=normalize,
        augmentation=augmentation,
        callbacks=callbacks,
        bayes_error=bayes_error,
        thresholds=thresholds,
        **network,
    )

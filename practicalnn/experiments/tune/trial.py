"""One trial of a study, as a pure function of (params, data, state): what a worker runs.

``run_rung(params, data, state, until)`` builds the network and trainer the params describe (the run
``practicalnn train`` makes with the same flags), restores ``state`` when the trial is continued,
trains to iteration ``until`` and returns the train and dev scores with the trainer's exact state at
``until`` (``Trainer.state_dict()``, taken before early stopping puts its best parameters back), so a
promoted trial continues bit for bit where it stopped. It reads no global state and draws only from
the trial's own seeded streams: where it runs never changes what it returns.
"""

from __future__ import annotations

import os
import time

from ...core.network import Network
from ...diagnostics.bias_variance import diagnose
from ...errors import TrainingDiverged
from ...regularization.early_stopping import EarlyStopping
from ...training.callbacks import Callback
from ...training.config import TrainConfig
from ...training.trainer import Trainer
from .space import TRAIN_KNOBS, engine_value

#: What a trial is when the space says nothing of a knob: ``practicalnn train``'s defaults, but for
#: ``iterations`` (a study trains many models, so each is shorter) and the seed (the study's).
DEFAULTS = {"hidden": "20,3", "activation": "relu", "init": "notebook", "iterations": 2000, "check_every": 100}


def trial_settings(params, seed=0):
    """(model, config, seed, early stopping) of a trial: the params over DEFAULTS."""
    p = {**DEFAULTS, "seed": seed, **params}
    config = TrainConfig(**{k: engine_value(k, v) for k, v in p.items() if k in TRAIN_KNOBS})
    model = {"hidden": engine_value("hidden", p["hidden"]), "activation": p["activation"], "init": p["init"]}
    model["batch_norm"] = bool(p.get("batch_norm", False))
    early = {"patience": p["patience"], "every": p["check_every"]} if p.get("patience") else None
    return model, config, int(p["seed"]), early


class _StateAt(Callback):
    """Keeps the trainer's state at iteration ``every`` (last among the callbacks, as a checkpoint
    writer is, so it sees what the others did at that check)."""

    def __init__(self, every):
        self.every, self.state = every, None

    def on_check(self, trainer, iteration):
        self.state = trainer.state_dict()
        return False


def build(params, data, seed=0, until=None):
    """The network, trainer and state keeper of a trial, trained to ``until`` (default: its end)."""
    model, config, seed, early = trial_settings(params, seed)
    total = config.iterations
    until = total if until is None else min(int(until), total)
    net = Network(
        [data.n_x, *model["hidden"], data.n_y], model["activation"], data.output, batch_norm=model["batch_norm"]
    )
    callbacks = []
    if early is not None:
        callbacks.append(
            EarlyStopping(
                data.dev_X,
                data.dev_Y,
                every=early["every"],
                patience=early["patience"],
                X_train=data.train_X,
                Y_train=data.train_Y,
            )
        )
    keeper = _StateAt(until)
    trainer = Trainer(net, config, rng=seed, callbacks=[*callbacks, keeper])
    return net, trainer, keeper, model, total


def scores(net, data, bayes_error=0.0):
    """Train and dev accuracy, error and unpenalized cost, and the bias/variance verdict."""
    train_acc, train_cost = net.evaluate(data.train_X, data.train_Y)
    dev_acc, dev_cost = net.evaluate(data.dev_X, data.dev_Y)
    out = {"train_cost": train_cost, "dev_cost": dev_cost, "train_error": None, "dev_error": None, "verdict": None}
    if train_acc is not None:
        out.update(train_error=1 - train_acc, dev_error=1 - dev_acc)
        out["verdict"] = diagnose(1 - train_acc, 1 - dev_acc, bayes_error).verdict
    return out


def train_trial(params, data, state=None, until=None, *, seed=0, bayes_error=0.0, keep_state=True):
    """Train the trial ``params`` on ``data`` (a Dataset with a dev set) from ``state`` (None: from
    its initial weights) to iteration ``until`` (None: to its end); return ``(network, outcome)``.

    The outcome is a dict: ``status`` ("ok" or "failed"), ``iteration`` reached, ``finished`` (the
    run reached its iterations, or early stopping or a divergence ended it), ``stopped``, the scores
    of ``scores``, the ``history`` (``History.to_dict``), ``message`` (the engine's, for a failure),
    ``state`` (to continue from; None when finished or ``keep_state`` is False), ``pid``, and
    ``seconds``, what the trial took where it ran."""
    start = time.perf_counter()
    net, trainer, keeper, model, total = build(params, data, seed, until)
    if state is None:
        net.initialize(model["init"], trainer.streams.init)
    else:
        trainer.load_state_dict(state)
    base = {"pid": os.getpid(), "total": total}

    def took():
        return {"seconds": time.perf_counter() - start}

    try:
        history = trainer.fit(data.train_X, data.train_Y, until=until)  # a rung's end is a pause, not the end
    except TrainingDiverged as err:
        failed = {"status": "failed", "message": str(err), "iteration": err.iteration, "finished": True}
        history = err.history.to_dict() if err.history else None
        return net, {**base, **failed, "stopped": "diverged", "state": None, "history": history, **took()}
    if history.stopped == "interrupted":  # Ctrl-C when the trial runs in this process
        raise KeyboardInterrupt
    finished = history.stopped != "completed" or trainer.iteration >= total
    return net, {
        **base,
        "status": "ok",
        "iteration": trainer.iteration,
        "finished": finished,
        "stopped": history.stopped,
        **scores(net, data, bayes_error),
        "history": history.to_dict(),
        "state": None if finished or not keep_state else keeper.state,
        "message": None,
        **took(),
    }


def run_rung(params, data, state=None, until=None, *, seed=0, bayes_error=0.0):
    """What a worker runs: ``train_trial``'s outcome alone (the network stays behind)."""
    return train_trial(params, data, state, until, seed=seed, bayes_error=bayes_error)[1]

"""What a study found, read from its record: one row per slot, the best trial, the command that
re-runs it alone, and the test score of the winner (scored once, after the choice, reported apart)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from .trial import DEFAULTS

STATES = {"COMPLETE": "complete", "PRUNED": "pruned", "FAIL": "failed", "RUNNING": "running", "WAITING": "waiting"}
SCORES = ("train_error", "dev_error", "train_cost", "dev_cost", "verdict", "iterations", "stopped", "message")


def _row(trial, searched):
    state = STATES.get(trial.state.name, trial.state.name.lower())
    if trial.user_attrs.get("interrupted"):
        state = "interrupted"
    row = {"trial": trial.user_attrs.get("slot"), "number": trial.number, "state": state}
    row["params"] = {k: trial.params.get(k) for k in searched}
    found = trial.user_attrs.get("result") or {}
    row.update({k: found.get(k) for k in SCORES})
    row["value"] = trial.value if trial.state.name == "COMPLETE" else None
    return row


def _rank(trial):
    return (not trial.user_attrs.get("interrupted"), trial.number)


def rows(study, searched):
    """One row per slot, in slot order: the trial that settled it, else the last one that ran it
    (interrupted, or still running or waiting)."""
    by_slot = {}
    for t in study.get_trials(deepcopy=False):
        slot = t.user_attrs.get("slot")
        if slot is not None:
            by_slot[slot] = max(by_slot.get(slot, t), t, key=_rank)
    return [_row(by_slot[s], searched) for s in sorted(by_slot)]


def counts(table):
    out = {"complete": 0, "pruned": 0, "failed": 0, "interrupted": 0, "running": 0, "waiting": 0}
    for r in table:
        out[r["state"]] = out.get(r["state"], 0) + 1
    return out


def best_row(table):
    """The complete row with the least value (the first slot among equals)."""
    done = [r for r in table if r["state"] == "complete" and r["value"] is not None]
    return min(done, key=lambda r: (r["value"], r["trial"])) if done else None


#: ``practicalnn train`` flags of the knobs (epsilon has none).
FLAGS = {
    "learning_rate": "--learning-rate",
    "iterations": "--iterations",
    "l2": "--l2",
    "l1": "--l1",
    "keep_prob": "--keep-prob",
    "input_keep_prob": "--input-keep-prob",
    "optimizer": "--optimizer",
    "beta1": "--beta1",
    "beta2": "--beta2",
    "batch_size": "--batch-size",
    "decay_rate": "--decay-rate",
    "record_every": "--record-every",
    "hidden": "--hidden",
    "activation": "--activation",
    "init": "--init",
    "patience": "--patience",
    "check_every": "--check-every",
    "seed": "--seed",
}


def train_command(setup, params):
    """``(command, notes)``: the ``practicalnn train`` line that trains the trial ``params`` alone,
    and what it cannot reproduce."""
    p = {**DEFAULTS, "seed": setup["seed"], **params}
    words = ["practicalnn", "train", "--threads", "1", "--dataset", setup["dataset"]]  # one thread, as a worker
    if setup.get("target"):
        words += ["--target", setup["target"]]
    if setup.get("dev_fraction") is not None and not setup.get("own_dev"):
        words += ["--dev-fraction", repr(setup["dev_fraction"])]
    if setup.get("normalize"):
        words.append("--normalize")
    if p.get("patience"):
        words.append("--early-stopping")
    notes = []
    for name, value in sorted(p.items()):
        if value is None or (name in ("patience", "check_every") and not p.get("patience")):
            continue
        if name == "batch_norm":  # a switch: present or not
            words += ["--batch-norm"] if value else []
            continue
        if name not in FLAGS:
            notes.append(f"{name}={value!r} has no train flag")
            continue
        words += [FLAGS[name], value if isinstance(value, str) else repr(value)]
    if p.get("batch_norm") and setup.get("normalize"):
        notes.append("train takes no --normalize with --batch-norm: standardize the data beforehand")
    if p["seed"] != setup["seed"] and not setup.get("own_dev"):
        notes.append(f"train splits the dev set with --seed, so its dev set is not the study's (seed {setup['seed']})")
    return " ".join(shlex.quote(str(w)) for w in words), notes


@dataclass
class TuneResult:
    """A study's outcome: ``study`` (Optuna's), ``table`` (one row per slot), ``best`` (its row),
    ``network`` and ``history`` of the best trial retrained, ``test`` (the winner's test scores),
    ``command`` to re-run it, ``setup`` and where the study is stored."""

    study: object
    setup: dict
    table: list
    storage: str
    best: dict | None = None
    network: object = None
    history: object = None
    test: dict | None = None
    command: str | None = None
    notes: list = field(default_factory=list)
    where: str | None = None
    retried: list = field(default_factory=list)

    @property
    def counts(self):
        return counts(self.table)

    def to_dict(self):
        return {
            "study": self.study.study_name,
            "storage": self.storage,
            "setup": self.setup,
            "where": self.where,
            "counts": self.counts,
            "retried": list(self.retried),
            "trials": self.table,
            "best": self.best,
            "command": self.command,
            "command_notes": list(self.notes),
            "test": self.test,
            "learning_curve": None if self.history is None else self.history.to_dict(),
        }

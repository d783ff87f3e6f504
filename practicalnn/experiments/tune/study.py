"""The record of a study: an Optuna study in an RDB storage (a SQLite file by default), kept by the client.

The study's user attribute ``practicalnn`` holds its setup (the space, the data, the sampler, the
pruner, the seed), so that ``--resume`` needs nothing else and a command whose setup differs is
refused before it touches the study. Each trial carries a ``slot``: the index of the trial in the
study's plan. A trial whose run was cut off (the command killed, Ctrl-C) is marked failed with
``interrupted`` set, and its params are enqueued again under the same slot, so the study's table,
one row per slot, is that of a run that was never cut off.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ...errors import ConfigError, argument_error

SAMPLERS = ("tpe", "random", "grid")
PRUNERS = ("halving", "median", "none")
SETUP_KEY = "practicalnn"


def slot_seed(seed, slot):
    """The sampler's seed for ``slot``: a function of the study's seed and the slot alone, so that a
    resumed study draws for slot n what an uninterrupted one would have."""
    return int(np.random.SeedSequence([int(seed), int(slot)]).generate_state(1)[0])


def make_sampler(name, space, seed, slot):
    import optuna

    s = slot_seed(seed, slot)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=s)
    if name == "grid":
        # one seed for every slot: the sampler shuffles the grid by its seed and gives trial n the n-th
        # cell, so a seed per slot repeated some cells and never ran others
        return optuna.samplers.GridSampler(space.grid(), seed=int(seed))
    return optuna.samplers.TPESampler(seed=s, constant_liar=True)


def make_pruner(name, rung_every):
    """Optuna's successive halving (rungs at rung_every x 3^k iterations), median pruning (after 4
    finished trials, from the first rung on) or none."""
    import optuna

    if name == "halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=rung_every, reduction_factor=3)
    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=0)
    return optuna.pruners.NopPruner()


def default_storage(directory=None):
    """``sqlite:///study.db`` in ``directory`` (the report's, or the current one)."""
    return f"sqlite:///{(Path(directory or '.') / 'study.db').resolve()}"


def open_storage(url):
    """The Optuna RDB storage at ``url``, or an error naming --storage."""
    import optuna

    if not isinstance(url, str) or "://" not in url:
        raise argument_error("--storage", url, "a database URL, like sqlite:///study.db")
    if url.startswith("sqlite:///"):
        parent = Path(url[len("sqlite:///") :]).parent
        if not parent.is_dir():
            raise argument_error("--storage", url, f"a SQLite file in an existing directory ({parent} does not exist)")
    try:
        storage = optuna.storages.RDBStorage(
            url, engine_kwargs={"connect_args": {"timeout": 30}} if "sqlite" in url else {}
        )
    except Exception as err:  # SQLAlchemy's errors: a bad URL, a missing driver, a file that is no database
        reason = str(err).splitlines()[0][:200]
        raise argument_error(
            "--storage", url, f"a storage that can be opened ({type(err).__name__}: {reason})"
        ) from None
    if url.startswith("sqlite"):
        _write_ahead(storage.engine)
    return storage


def _write_ahead(engine):
    """SQLite in write-ahead-log mode, synced at checkpoints: a commit no longer waits for the disk
    (about 20 ms each, several per trial, before), and what was committed survives a killed process;
    only a power cut can lose the last commits, which ``recover`` treats as trials cut off."""
    from sqlalchemy import event

    def pragmas(connection, _record):
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    event.listen(engine, "connect", pragmas)
    engine.dispose()  # the connections opened so far (table checks) reconnect with the pragmas


def _plain(obj):
    return json.loads(json.dumps(obj))


def study_names(storage):
    import optuna

    return optuna.study.get_all_study_names(storage)


def open_study(storage, name, setup=None):
    """The study ``name`` in ``storage``: created with ``setup`` when new; when it exists, its
    stored setup, which must equal ``setup`` (but for n_trials) when one is given. Returns
    ``(study, setup)``. ``setup=None`` (``--resume``) requires the study to exist."""
    import optuna

    if name in study_names(storage):
        study = optuna.load_study(study_name=name, storage=storage)
        stored = study.user_attrs.get(SETUP_KEY)
        if stored is None:
            raise argument_error(
                "--study-name", name, "a study made by practicalnn tune (this one has no practicalnn setup)"
            )
        if setup is not None:
            differs = _difference(stored, _plain(setup))
            if differs:
                raise argument_error(
                    "--study-name",
                    name,
                    f"a new name, or the setup this study was made with ({differs}); --resume continues it as it was",
                    ConfigError,
                )
            stored = {**stored, "n_trials": setup["n_trials"]}
        return study, stored
    if setup is None:
        raise argument_error(
            "--resume", name, f"an existing study (the storage holds {study_names(storage) or 'none'})"
        )
    study = optuna.create_study(storage=storage, study_name=name, direction="minimize")
    study.set_user_attr(SETUP_KEY, _plain(setup))
    return study, _plain(setup)


def _difference(stored, new):
    for key in sorted(set(stored) | set(new)):
        if key != "n_trials" and stored.get(key) != new.get(key):
            return f"{key}: {stored.get(key)!r} in the study, {new.get(key)!r} now"
    return None


def slot_of(trial):
    return trial.user_attrs.get("slot")


def recover(study):
    """Mark the trials left RUNNING by a command that died as failed (``interrupted``) and enqueue
    again, under their slots, the params of every interrupted trial whose slot has no other trial.
    Returns the slots enqueued. Run it before the first ask of a command: one client per study."""
    from optuna.trial import TrialState

    storage = study._storage
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        storage.set_trial_user_attr(t._trial_id, "interrupted", True)
        storage.set_trial_state_values(t._trial_id, TrialState.FAIL)
    trials = study.get_trials(deepcopy=False)
    settled = {slot_of(t) for t in trials if not t.user_attrs.get("interrupted")}
    again = {}
    for t in trials:
        if t.user_attrs.get("interrupted") and slot_of(t) not in settled and slot_of(t) is not None:
            again[slot_of(t)] = t.params
    for slot, params in sorted(again.items()):
        study.enqueue_trial(params, user_attrs={"slot": slot})
    return sorted(again)


def next_slot(study):
    slots = [slot_of(t) for t in study.get_trials(deepcopy=False) if slot_of(t) is not None]
    return max(slots) + 1 if slots else 0


def waiting(study):
    from optuna.trial import TrialState

    return len(study.get_trials(deepcopy=False, states=(TrialState.WAITING,)))

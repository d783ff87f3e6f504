"""``tune``: a hyperparameter study from start to end (the library face of ``practicalnn tune``)."""

from __future__ import annotations

import contextlib
import hashlib

import numpy as np

from ...errors import ConfigError, Interrupted, argument_error
from ...training.threads import thread_limits
from ...validation import Integral, Interval, Options, Real, check
from .execution import opened
from .results import TuneResult, best_row, rows, train_command
from .runner import StudyLoop
from .space import SearchSpace, knobs_from_document, read_space_file, space_from
from .study import PRUNERS, SAMPLERS, default_storage, open_storage, open_study, recover, study_names
from .trial import DEFAULTS, train_trial

METRICS = ("dev_cost", "dev_error")
DEFAULT_STUDY = "practicalnn-tune"


def _digest(dataset):
    h = hashlib.sha256()
    for a in (dataset.train_X, dataset.train_Y, dataset.dev_X, dataset.dev_Y):
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode() + a.tobytes())
    return h.hexdigest()[:16]


def prepare_data(dataset, *, target=None, dev_fraction=0.2, normalize=False, seed=0):
    """``(Dataset with a dev set, description)``: the dataset (a name, a CSV path or a Dataset) with
    its own dev split or ``dev_fraction`` of its training set held out (split with ``seed``), and
    standardized with training-set statistics when ``normalize`` (as ``practicalnn train`` does)."""
    from ...data.datasets import load_dataset
    from ...data.scaling import standardize_dataset
    from ...data.splits import with_dev

    data = load_dataset(dataset, target=target, seed=seed) if isinstance(dataset, str) else dataset
    own_dev = data.dev_X is not None
    data = with_dev(data, dev_fraction, seed=seed)
    if normalize:
        data, _ = standardize_dataset(data)
    name = dataset if isinstance(dataset, str) else data.name
    description = {"dataset": name, "target": target, "dev_fraction": None if own_dev else dev_fraction}
    description.update({"own_dev": own_dev, "normalize": bool(normalize), "data_digest": _digest(data)})
    return data, description


def _largest(space, name, default):
    knob = space.knobs.get(name)
    if knob is None:
        return default
    return max(v for v in knob.values if v is not None) if knob.kind != "fixed" else knob.values[0]


def _space(params, space):
    """The SearchSpace of ``space`` (a SearchSpace, a dict as a file holds, a file path or None)
    and then the ``params`` flags."""
    if isinstance(space, SearchSpace):
        knobs = list(space.knobs.values())
    elif isinstance(space, dict):
        knobs = knobs_from_document(space)
    else:
        knobs = [] if space is None else read_space_file(space)
    return SearchSpace([*knobs, *space_from(params).knobs.values()])


def make_setup(space, data_description, *, n_trials, sampler, pruner, rung_every, metric, seed, bayes_error):
    """The setup a study records (everything its trials depend on), checked."""
    sampler = check("sampler", sampler, Options(SAMPLERS))
    pruner = check("pruner", pruner, Options(PRUNERS))
    metric = check("metric", metric, Options(METRICS))
    seed = check("seed", seed, Interval(Integral, 0, None))
    bayes_error = check("bayes_error", bayes_error, Interval(Real, 0, 1))
    if sampler == "grid":
        size = space.grid_size()
        n_trials = size if n_trials is None else min(check("n_trials", n_trials, Interval(Integral, 1, None)), size)
    n_trials = check("n_trials", 20 if n_trials is None else n_trials, Interval(Integral, 1, None))
    if rung_every is None:
        rung_every = max(1, int(_largest(space, "iterations", DEFAULTS["iterations"])) // 9)
    rung_every = check("rung_every", rung_every, Interval(Integral, 1, None))
    return {
        "space": space.to_dict(),
        **data_description,
        "n_trials": n_trials,
        "sampler": sampler,
        "pruner": pruner,
        "rung_every": rung_every,
        "metric": metric,
        "seed": seed,
        "bayes_error": bayes_error,
    }


@contextlib.contextmanager
def quiet_optuna():
    """Optuna logs every trial at INFO; the library never prints, so only warnings pass."""
    import optuna

    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(before)


def _winner(study, setup, table, data, result):
    """Retrain the best trial here (a pure function: the same run as in the study), check that it
    gives the recorded dev score, and score it once on the test set; the test score is stored."""
    best = best_row(table)
    if best is None:
        return result
    params = {**SearchSpace.from_dict(setup["space"]).fixed(), **study.trials[best["number"]].params}
    with thread_limits(1):  # as its trial ran on a worker: the same numbers to the last bit
        net, outcome = train_trial(params, data, seed=setup["seed"], bayes_error=setup["bayes_error"], keep_state=False)
    if outcome.get(setup["metric"]) != best["value"]:
        raise argument_error(
            "best trial", best["trial"], f"a retrained {setup['metric']} equal to the study's ({best['value']})"
        )
    accuracy, cost = net.evaluate(data.test_X, data.test_Y)
    test = {"trial": best["trial"], "accuracy": accuracy, "error": None if accuracy is None else 1 - accuracy}
    test.update({"cost": cost, "examples": int(data.test_X.shape[1])})
    study.set_user_attr("test", test)
    result.best, result.network, result.test = best, net, test
    from ...training.history import History

    result.history = History.from_dict(outcome["history"])
    result.command, result.notes = train_command(setup, params)
    return result


def tune(
    dataset="moons",
    params=(),
    *,
    space=None,
    n_trials=None,
    sampler="tpe",
    pruner="halving",
    rung_every=None,
    metric="dev_cost",
    storage=None,
    study_name=DEFAULT_STUDY,
    resume=False,
    scheduler=None,
    workers=None,
    connect_timeout=5.0,
    executor=None,
    seed=0,
    target=None,
    dev_fraction=0.2,
    normalize=False,
    bayes_error=0.0,
    progress=None,
):
    """Search hyperparameters on the dev set with Optuna, training the trials on Dask.

        ``params`` are ``--param`` flag strings (``"learning_rate=log:1e-4:1"``) and ``space`` a
        SearchSpace, a dict or a TOML/JSON file of knobs (see ``practicalnn.experiments.tune.space``).
        ``n_trials`` trials (default 20; the grid's size for ``sampler="grid"``) are drawn by ``sampler``
        (tpe, random, grid) and cut short by ``pruner`` (halving, median, none) on the dev ``metric``
        reported every ``rung_every`` iterations. The study is kept in ``storage`` (an Optuna RDB URL;
        default ``sqlite:///study.db`` here) under ``study_name``; the same call again continues it, and
        ``resume=True`` continues it from its stored setup alone. Trials run on the Dask scheduler at
        ``scheduler``, else on a LocalCluster of ``workers`` processes (default one per core; 0 runs them
        in this process), or on ``executor`` (an ``execution`` executor the caller started, and closes,
    itself: one cluster for several studies). ``progress(counts)`` is called as trials start and finish.

        Returns a TuneResult: the Optuna study, one row per trial, the best trial retrained (its
        ``network``, ``history`` and the ``command`` that re-runs it alone) and its test scores, measured
        once after the choice. Ctrl-C raises ``Interrupted`` whose ``partial`` holds the table so far.
    """
    storage_url = storage or default_storage()
    with quiet_optuna():
        rdb = open_storage(storage_url)
        resume_only = resume and not params and space is None
        if resume_only:
            study, setup = open_study(rdb, study_name)
            chosen = SearchSpace.from_dict(setup["space"])
            data, _ = prepare_data(
                dataset if not isinstance(dataset, str) else setup["dataset"],
                target=setup["target"],
                dev_fraction=setup["dev_fraction"] or 0.2,
                normalize=setup["normalize"],
                seed=setup["seed"],
            )
            if _digest(data) != setup["data_digest"]:
                raise argument_error(
                    "dataset", setup["dataset"], "the data the study was made with (its digest differs)"
                )
            if n_trials is not None:
                setup["n_trials"] = check("n_trials", n_trials, Interval(Integral, 1, None))
        else:
            chosen = _space(params, space)
            if not chosen.searched():
                raise argument_error(
                    "--param", list(params), "at least one knob with a choice or a range to search", ConfigError
                )
            data, description = prepare_data(
                dataset, target=target, dev_fraction=dev_fraction, normalize=normalize, seed=seed
            )
            setup = make_setup(
                chosen,
                description,
                n_trials=n_trials,
                sampler=sampler,
                pruner=pruner,
                rung_every=rung_every,
                metric=metric,
                seed=seed,
                bayes_error=bayes_error,
            )
            if metric == "dev_error" and data.output == "identity":
                raise argument_error("metric", metric, "dev_cost for a regression (identity) output")
        exists = study_name in study_names(rdb)
        if exists and not resume_only:
            study, setup = open_study(rdb, study_name, setup)  # checks the setup; writes nothing
        # the executor before a new study is created: an unreachable scheduler leaves no study behind
        with opened(executor, scheduler=scheduler, workers=workers, connect_timeout=connect_timeout) as ex:
            if not exists:
                study, setup = open_study(rdb, study_name, setup)
            retried = recover(study)
            loop = StudyLoop(study, setup, chosen, ex, ex.put(data), progress)
            result = TuneResult(study, setup, [], storage_url, where=ex.where, retried=retried)
            try:
                loop.run()
            except Interrupted as stop:
                result.table = rows(study, sorted(chosen.searched()))
                raise Interrupted(stop.message, result) from None
        result.table = rows(study, sorted(chosen.searched()))
        return _winner(study, setup, result.table, data, result)

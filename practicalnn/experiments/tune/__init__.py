"""Hyperparameter search: Optuna chooses and records the trials, Dask runs them (experiments/tune).

``tune(dataset, ["learning_rate=log:1e-4:1", "l2=0:1"], n_trials=30)`` returns a TuneResult with the
Optuna study and the best network. The pieces, each replaceable: ``space`` (knobs and their ranges),
``trial`` (one trial as a pure function, what a worker runs), ``execution`` (Dask or in-process),
``study`` (the record: storage, setup, samplers, pruners, recovery), ``runner`` (the ask-and-tell
loop), ``results`` (the table, the best trial, its command line).
"""

from .api import prepare_data, tune
from .results import TuneResult, train_command
from .space import SearchSpace, parse_flag, space_from
from .trial import run_rung, train_trial

__all__ = [
    "SearchSpace",
    "TuneResult",
    "parse_flag",
    "prepare_data",
    "run_rung",
    "space_from",
    "train_command",
    "train_trial",
    "tune",
]

"""What a checkpoint's fields must mean, checked when it is read (``practicalnn.io.checkpoint``).

A checkpoint is edited as easily as any file and its digest recomputed; whatever it holds must be
a state that training can continue from, or the reader says which field is wrong.
"""

from __future__ import annotations

import math

import numpy as np

from ..training.optimizers import OPTIMIZERS, Adam

_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937")


def check_generator_state(state, fail, field):
    """A NumPy bit generator's ``state`` dict, as ``bit_generator.state`` gives it back."""
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if name not in _BIT_GENERATORS:
        raise fail(f"its {field} is not the state of a NumPy bit generator ({', '.join(_BIT_GENERATORS)})")
    bit_generator = getattr(np.random, name)()
    try:
        bit_generator.state = state
        same = bit_generator.state == state
    except Exception:  # OverflowError, ValueError, TypeError, KeyError: NumPy's own checks
        same = False
    if not same:
        raise fail(f"its {field} is not a valid {name} state")


def check_shuffle_state(state, fail):
    """The shuffle stream's state: a bit generator's, or the course's next seed (``rng="course"``)."""
    if isinstance(state, dict) and set(state) == {"course_seed"}:
        if not _is_int(state["course_seed"]) or state["course_seed"] < 0:
            raise fail(f"its shuffle course_seed is {state['course_seed']!r}, not an integer >= 0")
        return
    check_generator_state(state, fail, "shuffle")


def running_averages(tensors, run, params, fail):
    """Batch normalization's running averages ``(mean, var)``, present exactly when the run's network
    normalizes; None without batch normalization."""
    from .fields import RUNNING

    network = run.get("network") if isinstance(run, dict) else None
    normalized = isinstance(network, dict) and any(network.get("batch_norm") or [])
    arrays = [tensors.get(name) for name in RUNNING]
    if not normalized:
        if any(a is not None for a in arrays):
            raise fail(f"it holds running averages {list(RUNNING)} for a network without batch normalization")
        return None
    if any(a is None or a.ndim != 1 or a.dtype != params.dtype or not np.isfinite(a).all() for a in arrays):
        raise fail(f"its running averages {list(RUNNING)} are missing, not 1-D {params.dtype} or not finite")
    if arrays[0].shape != arrays[1].shape or (arrays[1] < 0).any():
        raise fail("its running averages of mu and sigma^2 differ in size or hold a negative variance")
    return tuple(arrays)


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_optimizer(optimizer, run, params, fail):
    """The optimizer's moments (arrays like ``params``) and Adam's step count: exactly those the
    run's optimizer keeps."""
    config = run.get("config") if isinstance(run, dict) else None
    name = config.get("optimizer") if isinstance(config, dict) else None
    if name not in OPTIMIZERS:
        raise fail(f"its run names optimizer {name!r}; expected one of {', '.join(OPTIMIZERS)}")
    cls = OPTIMIZERS[name]
    expected = set(cls.moments) | ({"t"} if issubclass(cls, Adam) else set())
    if set(optimizer) != expected:
        raise fail(f"its {name} optimizer state holds {sorted(optimizer)}; expected {sorted(expected)}")
    for key in cls.moments:
        value = optimizer[key]
        if not isinstance(value, np.ndarray) or value.shape != params.shape or not np.isfinite(value).all():
            raise fail(f"its optimizer moment {key!r} is not a finite array of the parameters' shape")
    if "t" in optimizer and (not _is_int(optimizer["t"]) or optimizer["t"] < 0):
        raise fail(f"its optimizer step count t is {optimizer['t']!r}")


def _early_stopping_problem(state, params):
    value, best, wait = state.get("best_value"), state.get("best_iteration"), state.get("wait")
    keys = {"best_value", "best_iteration", "wait", "best_params"}
    running = {"best_running_mean", "best_running_var"}  # batch norm's averages kept with the best parameters
    if set(state) != keys and set(state) != keys | running:
        return f"holds {sorted(state)}"
    for key in running & set(state):
        kept = state[key]
        if not isinstance(kept, np.ndarray) or kept.ndim != 1 or not np.isfinite(kept).all():
            return f"{key} is not a finite one-dimensional array"
    if not (
        value is None or (isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value))
    ):
        return f"best_value is {value!r}, not a number"
    if not (best is None or (_is_int(best) and best >= 0)) or not (_is_int(wait) and wait >= 0):
        return f"best_iteration={best!r} or wait={wait!r} is not an integer >= 0"
    kept = state["best_params"]
    if kept is not None and (
        not isinstance(kept, np.ndarray) or kept.shape != params.shape or kept.dtype != params.dtype
    ):
        return f"best_params is not an array of the parameters' shape {params.shape} and dtype {params.dtype}"
    if (value is None) != (best is None):
        return "best_value and best_iteration are not both set"
    return None


def check_callbacks(callbacks, params, fail):
    """The states of the callbacks practicalnn knows (early stopping, augmentation); others are
    their own to check when they load them."""
    for i, entry in enumerate(callbacks):
        state = entry["state"]
        if entry["type"] == "EarlyStopping":
            problem = _early_stopping_problem(state, params)
            if problem:
                raise fail(f"its callbacks.{i} (EarlyStopping) state is malformed: {problem}")
        elif entry["type"] == "Augmentation":
            if set(state) != {"rng"}:
                raise fail(f"its callbacks.{i} (Augmentation) state holds {sorted(state)}; expected ['rng']")
            check_generator_state(state["rng"], fail, f"callbacks.{i}.rng")

"""The fields of a model file's header, written and read back checked for meaning, not only for type.

Every reader takes ``fail(problem)``, which builds the ModelFileError naming the file; every problem
names the field. Writers check what they write with the same readers (``practicalnn.io.model_file``),
so that a file practicalnn writes is a file practicalnn reads.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.network import Network
from ..errors import PracticalNNError, argument_error

#: Bounds on what a header may announce, checked before anything is allocated for it.
MAX_LAYERS = 1000
MAX_PARAMETERS = 2**29


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


# -- classes ---------------------------------------------------------------------------------------
def classes_to_json(classes):
    """Classes as ``{"dtype": ..., "values": [...]}``: numbers, booleans or strings only."""
    if classes is None:
        return None
    arr = np.asarray(classes)
    if arr.ndim != 1:
        raise argument_error("classes", f"array of shape {arr.shape}", "a 1-D sequence of labels")
    if arr.dtype.kind in "biuf":
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            raise argument_error("classes", arr.tolist(), "finite labels")
        return {"dtype": arr.dtype.str, "values": arr.tolist()}
    if arr.dtype.kind == "U" or (arr.dtype.kind == "O" and all(isinstance(v, str) for v in arr)):
        return {"dtype": "str" if arr.dtype.kind == "U" else "object", "values": [str(v) for v in arr]}
    raise argument_error("classes", arr.tolist()[:5], "labels that are numbers, booleans or strings")


def _class_array(values, dtype):
    """The labels as an array of ``dtype``, or a problem in words."""
    if dtype in ("str", "object"):
        if not all(isinstance(v, str) for v in values):
            return "labels of dtype str that are not all strings"
        return np.array(values, dtype=object if dtype == "object" else str)
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        return f"dtype {dtype!r}"
    if dtype.kind == "b":
        ok = all(isinstance(v, bool) for v in values)
    elif dtype.kind in "iu":
        info = np.iinfo(dtype)
        ok = all(_is_int(v) and info.min <= v <= info.max for v in values)
    elif dtype.kind == "f":
        ok = all(_is_number(v) and abs(v) <= np.finfo(dtype).max for v in values)
    else:
        return f"dtype {dtype.str!r} (numbers, booleans or strings only)"
    return np.array(values, dtype=dtype) if ok else f"values that do not fit dtype {dtype.str!r}"


def classes_from_json(d, fail, n_expected=None):
    """The labels of ``d`` (None stays None): distinct, of their dtype, ``n_expected`` of them if given."""
    if d is None:
        return None
    if not isinstance(d, dict) or set(d) != {"dtype", "values"} or not isinstance(d["values"], list):
        raise fail("its classes are malformed (expected {'dtype': ..., 'values': [...]})")
    if not isinstance(d["dtype"], str):
        raise fail(f"its classes have dtype {d['dtype']!r}")
    classes = _class_array(d["values"], d["dtype"])
    if isinstance(classes, str):
        raise fail(f"its classes are malformed: {classes}")
    if len(set(classes.tolist())) != len(classes):
        raise fail(f"its classes repeat a label: {classes.tolist()}")
    if n_expected is not None and len(classes) != n_expected:
        raise fail(f"it has {len(classes)} classes where its output layer tells {n_expected}")
    return classes


def n_classes(network):
    """How many labels a classifier network tells apart; None for a regression output."""
    if network.output.name == "identity":
        return None
    return 2 if network.output.name == "sigmoid" else network.layer_sizes[-1]


# -- names -----------------------------------------------------------------------------------------
def names_from_json(names, n, fail, field="feature names"):
    """``n`` distinct strings, or None."""
    if names is None:
        return None
    if not isinstance(names, list) or not all(isinstance(s, str) for s in names):
        raise fail(f"its {field} are not a list of strings")
    if len(names) != n:
        raise fail(f"it has {len(names)} {field} for {n} inputs")
    if len(set(names)) != n:
        raise fail(f"its {field} repeat a name: {names}")
    return names


# -- the network -----------------------------------------------------------------------------------
_NETWORK_KEYS = {"layer_sizes", "activation", "output", "dtype"}
_BATCH_NORM_KEYS = {"batch_norm", "bn_epsilon", "bn_decay"}
#: The tensors of batch normalization's running averages (every normalized layer's, in layer order).
RUNNING = ("batch_norm.mean", "batch_norm.var")


def network_tensors(network):
    """The tensors that hold a network: ``params``, and the running averages when it normalizes."""
    out = {"params": network.params}
    if network.normalized:
        out.update(zip(RUNNING, network.running.flat()))
    return out


def network_tensor_names(header):
    """The names of the network tensors a header's network description calls for."""
    spec = header.get("network")
    normalized = isinstance(spec, dict) and any(spec.get("batch_norm") or [])
    return {"params", *RUNNING} if normalized else {"params"}


def _batch_norm_of(spec, n_hidden, fail):
    if set(spec) == _NETWORK_KEYS:
        return {}
    flags = spec.get("batch_norm")
    if set(spec) != _NETWORK_KEYS | _BATCH_NORM_KEYS or not isinstance(flags, list):
        raise fail("its network description is missing or malformed")
    if len(flags) != n_hidden or not all(isinstance(f, bool) for f in flags) or not any(flags):
        raise fail(f"its network's batch_norm is {flags!r}; expected one bool per hidden layer ({n_hidden}), some true")
    return {"batch_norm": flags, "bn_epsilon": spec["bn_epsilon"], "bn_decay": spec["bn_decay"]}


def network_from(header, tensors, fail):
    """The Network described by ``header["network"]`` with parameters ``tensors["params"]`` (and the running
    averages of batch normalization, ``RUNNING``, when it normalizes)."""
    spec = header.get("network")
    if not isinstance(spec, dict) or not _NETWORK_KEYS <= set(spec):
        raise fail("its network description is missing or malformed")
    sizes = spec["layer_sizes"]
    if not isinstance(sizes, list) or not 2 <= len(sizes) <= MAX_LAYERS or not all(_is_int(n) for n in sizes):
        raise fail(f"its network's layer_sizes are not 2 to {MAX_LAYERS} integers")
    if any(n < 1 for n in sizes):
        raise fail(f"its network description is invalid (layer_sizes {sizes}: positive integers expected)")
    norm = _batch_norm_of(spec, len(sizes) - 2, fail)
    flags = norm.get("batch_norm") or [False] * (len(sizes) - 2)
    size = sum(n * (n_prev + 1 + on) for n_prev, n, on in zip(sizes, sizes[1:], [*flags, False]))
    params = tensors.get("params")
    if params is None or params.size != size or size > MAX_PARAMETERS:
        got = None if params is None else params.size
        raise fail(f"tensor 'params' holds {got} numbers; layers {sizes} need {size}")
    try:
        net = Network(sizes, spec["activation"], spec["output"], spec["dtype"], **norm)
    except (PracticalNNError, TypeError) as err:
        raise fail(f"its network description is invalid ({err})") from None
    if params.shape != net.params.shape or params.dtype != net.dtype:
        raise fail(
            f"tensor 'params' is {params.dtype} {params.shape}; the network needs {net.dtype} {net.params.shape}"
        )
    if not np.isfinite(params).all():
        raise fail("its parameters contain NaN or inf")
    net.set_params(params)
    if net.normalized:
        mean, var = (tensors.get(name) for name in RUNNING)
        if mean is None or var is None or mean.dtype != net.dtype or var.dtype != net.dtype:
            raise fail(f"its running averages {list(RUNNING)} are missing or not {net.dtype}")
        try:
            net.running.set_flat(mean, var)
        except PracticalNNError as err:
            raise fail(f"its batch normalization's running averages are invalid ({err})") from None
    return net


# -- the standardizer ------------------------------------------------------------------------------
def standardizer_to_json(standardizer):
    return None if standardizer is None else standardizer.to_dict()


def standardizer_from_json(d, n_x, fail):
    if d is None:
        return None
    from ..data.scaling import Standardizer

    if not isinstance(d, dict) or set(d) != {"kind", "mean", "scale"} or d["kind"] != "standardizer":
        raise fail("its standardizer is not {'kind': 'standardizer', 'mean': [...], 'scale': [...]}")
    for key in ("mean", "scale"):
        if not isinstance(d[key], list) or not all(_is_number(v) for v in d[key]):
            raise fail(f"its standardizer's {key} is not a list of finite numbers")
    try:
        s = Standardizer.from_dict(d)
    except PracticalNNError as err:
        raise fail(f"its normalization statistics are invalid ({err})") from None
    if s.mean_.shape != (n_x, 1):
        raise fail(f"its normalization statistics cover {s.mean_.shape[0]} features; the network takes {n_x}")
    return s


# -- the history -----------------------------------------------------------------------------------
_SERIES = {
    "iterations": ("history.iterations", np.int64),
    "cost_history": ("history.cost", np.float64),
    "cost_unpenalized_history": ("history.cost_unpenalized", np.float64),
}
_STOPPED = ("completed", "early_stopping", "converged", "interrupted", "diverged")


def history_to_parts(history):
    """A History as JSON (reasons, curves) plus its per-iteration series as tensors."""
    d = history.to_dict()
    tensors = {name: np.asarray(d.pop(key), dtype=dtype) for key, (name, dtype) in _SERIES.items()}
    return d, tensors


def history_from_parts(d, tensors, fail):
    """A History from its JSON part and its series in ``tensors`` (an estimator file)."""
    if not isinstance(d, dict):
        raise fail("its history is missing or malformed")
    d = dict(d)
    for key, (name, dtype) in _SERIES.items():
        series = tensors.get(name)
        if series is None or series.ndim != 1 or series.dtype != dtype:
            raise fail(f"tensor {name!r} is missing or not a 1-D {np.dtype(dtype).name} series")
        d[key] = series.tolist()
    return history_from_json(d, fail)


def _series_problem(its, values, name):
    if not isinstance(its, list) or not isinstance(values, list) or len(its) != len(values):
        return f"{name}: iterations and values are not lists of one length"
    if not all(_is_int(i) and i >= 0 for i in its) or any(b <= a for a, b in zip(its, its[1:])):
        return f"{name}: iterations are not increasing integers >= 0"
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return f"{name}: values are not numbers"
    return None


def history_from_json(d, fail):
    """A History from ``History.to_dict()``'s output, every field checked."""
    from ..training.history import History

    if not isinstance(d, dict) or not {"iterations", "cost_history", "cost_unpenalized_history"} <= set(d):
        raise fail("its history is missing or malformed")
    its = d["iterations"]
    problem = _series_problem(its, d["cost_history"], "history.cost") or _series_problem(
        its, d["cost_unpenalized_history"], "history.cost_unpenalized"
    )
    curves = d.get("curves", {})
    if not isinstance(curves, dict) or not all(
        isinstance(c, dict) and set(c) == {"iterations", "values"} for c in curves.values()
    ):
        problem = problem or "history.curves is not a dict of {'iterations', 'values'}"
    else:
        for name, c in curves.items():
            problem = problem or _series_problem(c["iterations"], c["values"], f"history.curves.{name}")
    stopped, run, best = d.get("stopped", "completed"), d.get("iterations_run", 0), d.get("best_iteration")
    if stopped not in _STOPPED:
        problem = problem or f"history.stopped is {stopped!r}; expected one of {', '.join(_STOPPED)}"
    if not _is_int(run) or run < 0:
        problem = problem or f"history.iterations_run is {run!r}"
    if best is not None and (not _is_int(best) or best < 0):
        problem = problem or f"history.best_iteration is {best!r}"
    if problem:
        raise fail(f"its history is malformed ({problem})")
    return History.from_dict(d)


# -- table preprocessing and target scaling ---------------------------------------------------------
def preprocessing_from_json(d, n_x, fail):
    """The TablePreprocessor of a header (``to_dict`` checked by ``from_dict``), or None; its encoded
    features must be the network's inputs."""
    if d is None:
        return None
    from ..data.tables import TablePreprocessor
    from ..errors import DataError

    try:
        prep = TablePreprocessor.from_dict(d)
    except (DataError, TypeError) as err:
        raise fail(f"its table preprocessing is invalid ({err})") from None
    if len(prep.feature_names_out) != n_x:
        raise fail(f"its table preprocessing gives {len(prep.feature_names_out)} inputs; its network takes {n_x}")
    return prep


def target_scaling_from_json(d, net, fail):
    """``(mean, std)`` of a regression target, or None."""
    if d is None:
        return None
    if net.output.name != "identity" or net.layer_sizes[-1] != 1:
        raise fail("it has a target scaling but not a one-output regression network")
    if not isinstance(d, dict) or not all(_is_number(d.get(k)) for k in ("mean", "std")):
        raise fail(f"its target_scaling is {d!r}; expected finite numbers mean and std")
    if d["std"] <= 0:
        raise fail(f"its target_scaling std is {d['std']!r}; expected a positive number")
    return float(d["mean"]), float(d["std"])

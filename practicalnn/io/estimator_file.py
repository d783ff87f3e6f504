"""Estimator files: what a fitted NeuralNetClassifier or NeuralNetRegressor is, as a neutral record.

This layer reads and writes the file and checks every field for meaning (the network against its
inputs, classes, feature names, standardizer and history); it never imports the estimators. The
estimators' face (``practicalnn.estimators``) turns an ``EstimatorRecord`` into an estimator, where
the hyperparameters are checked by the estimator's own constraints.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import fields

ESTIMATOR_KINDS = ("NeuralNetClassifier", "NeuralNetRegressor")
_TENSORS = {"params", "history.iterations", "history.cost", "history.cost_unpenalized"}


@dataclass
class EstimatorRecord:
    """A fitted estimator's contents. ``params`` are ``get_params()`` as JSON (an Initializer as
    ``{"name", "scale", "numerator"}``, tuples as lists); ``fail`` builds the error that names the
    file a record was read from (set by ``read_model``)."""

    kind: str
    params: dict
    network: object
    standardizer: object
    classes: object
    n_features_in: int
    feature_names_in: list | None
    history: object
    fail: object = None


def record_parts(record):
    """The header and tensors of an estimator file."""
    header = {
        "params": record.params,
        "network": record.network.config(),
        "standardizer": fields.standardizer_to_json(record.standardizer),
        "classes": fields.classes_to_json(record.classes),
        "n_features_in": int(record.n_features_in),
        "feature_names_in": None if record.feature_names_in is None else [str(n) for n in record.feature_names_in],
    }
    header["history"], tensors = fields.history_to_parts(record.history)
    return header, {**fields.network_tensors(record.network), **tensors}


def _check_params(params, net, standardizer, fail):
    """What the file format itself says of the hyperparameters: they agree with the network and the
    standardizer. Their values are the estimator's to check."""
    if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
        raise fail("its estimator parameters are missing or not a JSON object")
    hidden = params.get("hidden_layer_sizes")
    hidden = [hidden] if isinstance(hidden, int) and not isinstance(hidden, bool) else hidden
    if hidden != list(net.layer_sizes[1:-1]):
        raise fail(f"its parameter hidden_layer_sizes={params.get('hidden_layer_sizes')!r} does not match its network")
    if params.get("normalize") not in (True, False) or params["normalize"] != (standardizer is not None):
        raise fail(f"its parameter normalize={params.get('normalize')!r} does not match its normalization statistics")
    if bool(params.get("batch_norm", False)) != bool(net.normalized):
        raise fail(f"its parameter batch_norm={params.get('batch_norm')!r} does not match its network")


def record_from_parts(kind, header, tensors, fail):
    """The EstimatorRecord of an estimator file's parts, every field checked."""
    expected = _TENSORS | fields.network_tensor_names(header)
    if set(tensors) != expected:
        raise fail(f"it holds tensors {sorted(tensors)}; this estimator file holds {sorted(expected)}")
    net = fields.network_from(header, tensors, fail)
    n_x = header.get("n_features_in")
    if n_x != net.layer_sizes[0]:
        raise fail(f"its n_features_in={n_x!r} does not match its network's {net.layer_sizes[0]} inputs")
    expected = "identity" if kind == "NeuralNetRegressor" else ("sigmoid" if net.layer_sizes[-1] == 1 else "softmax")
    if net.output.name != expected:
        raise fail(f"its network has a {net.output.name} output; a {kind} of its size has {expected}")
    classes = fields.classes_from_json(header.get("classes"), fail, fields.n_classes(net))
    if (classes is None) != (kind == "NeuralNetRegressor"):
        raise fail("its classes are missing" if classes is None else "a regressor file holds classes")
    standardizer = fields.standardizer_from_json(header.get("standardizer"), n_x, fail)
    _check_params(header.get("params"), net, standardizer, fail)
    names = fields.names_from_json(header.get("feature_names_in"), n_x, fail, "feature_names_in")
    history = fields.history_from_parts(header.get("history"), tensors, fail)
    return EstimatorRecord(
        kind,
        dict(header["params"]),
        net,
        standardizer,
        classes,
        n_x,
        None if names is None else np.array(names, dtype=object),
        history,
    )

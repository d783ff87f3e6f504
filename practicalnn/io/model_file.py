"""Model files of trained networks, and the one reader of every model file (``read_model``).

The container (safetensors + JSON header, digest, atomic writes, bounded reads) is
``practicalnn.io.container``; the header's fields are ``practicalnn.io.fields``; estimator files are
``practicalnn.io.estimator_file``. Every writer checks what it is about to write with the reader's
own checks, so a file practicalnn writes is a file practicalnn loads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._version import __version__
from ..core.network import Network
from ..errors import ModelFileError, argument_error
from . import estimator_file, fields
from .container import FORMAT_VERSION, read_file, to_json, write_file

NETWORK = "network"
MODEL_KINDS = (NETWORK, *estimator_file.ESTIMATOR_KINDS)


@dataclass
class SavedNetwork:
    """A trained Network with what prediction needs: the input standardizer (statistics of the
    training set), the original class labels, the feature names, and free ``info`` (JSON); for a model
    trained on a table, its ``preprocessing`` (a fitted ``TablePreprocessor``: raw columns in, the
    network's inputs out) and, for regression, the ``target_scaling`` (mean, std) undone on predictions."""

    network: object
    standardizer: object = None
    classes: object = None
    feature_names: list | None = None
    target: str | None = None
    info: dict = field(default_factory=dict)
    preprocessing: object = None
    target_scaling: tuple | None = None

    def _inputs(self, X):
        X = self.network.check_X(X)
        return X if self.standardizer is None else self.standardizer.transform(X)

    def predict_proba(self, X):
        """Output activations (n_y, m) for X (n_x, m) in original units."""
        return self.network.predict_proba(self._inputs(X))

    def predict(self, X):
        """Predictions (1, m) for X (n_x, m): class labels (original ones when known) or values."""
        out = self.network.output.predict(self.predict_proba(X))
        if self.network.output.name == "identity" and self.target_scaling is not None:
            mean, std = self.target_scaling
            return out * std + mean
        if self.classes is None or self.network.output.name == "identity":
            return out
        return np.asarray(self.classes)[out]

    def table_inputs(self, frame, argument="data"):
        """The network's inputs (n_x, m) from a DataFrame of raw rows (the columns of ``preprocessing``,
        in any order); DataError naming a missing column or one of a new dtype."""
        if self.preprocessing is None:
            raise argument_error(
                argument, "a table", "a model trained on a table (this one has no table preprocessing)"
            )
        return self.preprocessing.transform(frame, argument)


def _network_parts(model):
    net = model.network
    header = {
        "network": net.config(),
        "classes": fields.classes_to_json(model.classes),
        "standardizer": fields.standardizer_to_json(model.standardizer),
        "feature_names": None if model.feature_names is None else [str(f) for f in model.feature_names],
        "target": model.target,
        "info": model.info,
        "preprocessing": None if model.preprocessing is None else model.preprocessing.to_dict(),
        "target_scaling": None
        if model.target_scaling is None
        else {"mean": float(model.target_scaling[0]), "std": float(model.target_scaling[1])},
    }
    return header, fields.network_tensors(net)


def _network_from_parts(header, tensors, fail):
    expected = fields.network_tensor_names(header)
    if set(tensors) != expected:
        raise fail(f"it holds tensors {sorted(tensors)}; this network file holds {sorted(expected)}")
    net = fields.network_from(header, tensors, fail)
    n_x = net.layer_sizes[0]
    names = fields.names_from_json(header.get("feature_names"), n_x, fail)
    classes = fields.classes_from_json(header.get("classes"), fail, fields.n_classes(net))
    if classes is not None and net.output.name == "identity":
        raise fail("it has classes for a regression (identity) output")
    info, target = header.get("info") or {}, header.get("target")
    if not isinstance(info, dict):
        raise fail("its info is not a JSON object")
    if not (target is None or isinstance(target, str)):
        raise fail(f"its target is {target!r}, not a column name")
    if target is not None and names is not None and target in names:
        raise fail(f"its target {target!r} is also one of its feature names")
    preprocessing = fields.preprocessing_from_json(header.get("preprocessing"), n_x, fail)
    scaling = fields.target_scaling_from_json(header.get("target_scaling"), net, fail)
    standardizer = fields.standardizer_from_json(header.get("standardizer"), n_x, fail)
    return SavedNetwork(net, standardizer, classes, names, target, info, preprocessing, scaling)


def check_loadable(kind, header, tensors):
    """Refuse to write what ``read_model`` would refuse to read: decode the parts in memory with
    the reader's checks. Raises ConfigError naming the model and the problem."""

    def fail(problem):
        return argument_error("model", kind, f"a model that can be loaded back once saved; {problem}")

    header = json.loads(to_json(header))
    if kind == NETWORK:
        _network_from_parts(header, tensors, fail)
    else:
        estimator_file.record_from_parts(kind, header, tensors, fail)


def write_model(path, kind, header, tensors, argument="path"):
    """Check the parts (``check_loadable``), then write them to ``path`` with the library's version."""
    header = {**header, "library": "practicalnn", "library_version": __version__}
    tensors = {name: np.ascontiguousarray(a) for name, a in tensors.items()}
    check_loadable(kind, header, tensors)
    return write_file(path, tensors, header, kind, argument)


def save(model, path, *, standardizer=None, classes=None, feature_names=None, target=None, info=None, argument="path"):
    """Save a Network (with the optional ``standardizer``, ``classes``, ``feature_names``, ``target``
    and ``info``) or a SavedNetwork to ``path``, atomically; an EstimatorRecord as an estimator file.
    ``practicalnn.save`` also takes the estimators. Returns the Path written."""
    extras = dict(standardizer=standardizer, classes=classes, feature_names=feature_names, target=target, info=info)
    if isinstance(model, Network):
        model = SavedNetwork(model, **{**extras, "info": dict(info or {})})
    elif classes is not None or any(v for v in extras.values()):
        raise argument_error(
            "model",
            type(model).__name__,
            "a Network when standardizer, classes, feature_names, target or info are given "
            "(an estimator or SavedNetwork carries its own)",
        )
    if isinstance(model, SavedNetwork):
        write_model(path, NETWORK, *_network_parts(model), argument)
    elif isinstance(model, estimator_file.EstimatorRecord):
        write_model(path, model.kind, *estimator_file.record_parts(model), argument)
    else:
        raise argument_error(
            "model", type(model).__name__, "a Network, SavedNetwork, NeuralNetClassifier or NeuralNetRegressor"
        )
    return Path(path)


def read_model(path, argument="path"):
    """Read any model file: a SavedNetwork, or an EstimatorRecord (``practicalnn.load`` turns it
    into the estimator). Errors are ModelFileError naming ``argument`` (the CLI's ``model``)."""
    kind, header, tensors = read_file(path, MODEL_KINDS, argument)

    def fail(problem):
        return argument_error(argument, str(path), f"a valid practicalnn model file; {problem}", ModelFileError)

    if kind == NETWORK:
        return _network_from_parts(header, tensors, fail)
    record = estimator_file.record_from_parts(kind, header, tensors, fail)
    record.fail = fail
    return record


__all__ = ["FORMAT_VERSION", "SavedNetwork", "read_model", "save"]

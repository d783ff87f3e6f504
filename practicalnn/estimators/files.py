"""``practicalnn.save`` and ``practicalnn.load``: model files of networks and of fitted estimators.

The files themselves are ``practicalnn.io``'s: it reads an estimator file into a neutral, checked
``EstimatorRecord``; here a record becomes an estimator again (its hyperparameters checked by the
estimator's own ``_parameter_constraints``), and an estimator becomes a record.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from ..core.initializers import Initializer
from ..errors import PracticalNNError, argument_error
from ..io import model_file
from ..io.estimator_file import EstimatorRecord
from ._base import _NeuralNet
from ._models import NeuralNetClassifier, NeuralNetRegressor

_KINDS = {cls.__name__: cls for cls in (NeuralNetClassifier, NeuralNetRegressor)}


def _params_json(est):
    params = est.get_params(deep=False)
    sizes = params["hidden_layer_sizes"]
    params["hidden_layer_sizes"] = int(sizes) if isinstance(sizes, Integral) else list(est._hidden())
    if isinstance(params["keep_prob"], (list, tuple, np.ndarray)):
        params["keep_prob"] = [float(p) for p in params["keep_prob"]]
    init = params["init"]
    if isinstance(init, Initializer):
        params["init"] = {"name": init.name, "scale": init.scale, "numerator": init.numerator}
    rs = params["random_state"]
    params["random_state"] = int(rs) if isinstance(rs, Integral) else None
    params["verbose"] = params["verbose"] if isinstance(params["verbose"], bool) else int(params["verbose"])
    return params


def to_record(est):
    """The EstimatorRecord of a fitted estimator."""
    est._check_fitted()
    names = getattr(est, "feature_names_in_", None)
    return EstimatorRecord(
        type(est).__name__,
        _params_json(est),
        est.network_,
        est.standardizer_,
        getattr(est, "classes_", None),
        int(est.n_features_in_),
        None if names is None else [str(n) for n in names],
        est.history_,
    )


def _fail(record):
    if record.fail is not None:
        return record.fail
    return lambda problem: argument_error("record", record.kind, f"a valid estimator record; {problem}")


def from_record(record):
    """The fitted estimator an EstimatorRecord describes; its parameters checked as ``fit`` checks them."""
    cls, fail = _KINDS[record.kind], _fail(record)
    params = dict(record.params)
    unknown = set(params) - set(cls._get_param_names())
    if unknown:
        raise fail(f"its {record.kind} parameters {sorted(unknown)} are unknown")
    try:
        if isinstance(params.get("hidden_layer_sizes"), list):
            params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
        if isinstance(params.get("init"), dict):
            params["init"] = Initializer(**params["init"])
        est = cls(**params)
        est._validate_params()
        est._config()
    except (PracticalNNError, TypeError) as err:
        raise fail(f"its parameters are invalid ({err})") from None
    est.network_, est.n_features_in_, est.standardizer_ = record.network, record.n_features_in, record.standardizer
    if record.feature_names_in is not None:
        est.feature_names_in_ = np.array(record.feature_names_in, dtype=object)
    if isinstance(est, NeuralNetClassifier):
        est.classes_, est._output = record.classes, record.network.output.name
    else:
        est.n_outputs_ = record.network.layer_sizes[-1]
    est._record(record.history)
    return est


def save(model, path, *, standardizer=None, classes=None, feature_names=None, target=None, info=None):
    """Save a trained model to ``path`` (safetensors + JSON header, written atomically).

    Parameters
    ----------
    model : Network, SavedNetwork, NeuralNetClassifier or NeuralNetRegressor
        A Network is saved with the optional ``standardizer`` (a fitted
        ``practicalnn.data.scaling.Standardizer``), ``classes`` (the original label of each class
        index), ``feature_names``, ``target`` and ``info`` (a JSON-able dict). A fitted estimator
        carries all of these itself.
    path : str or Path
        Where to write: a regular file (a symbolic link is followed) in an existing directory. An
        existing file is replaced only once the new one is completely on disk. A model that could
        not be loaded back is refused before anything is written.

    Returns
    -------
    Path
        The path written.
    """
    extras = dict(standardizer=standardizer, classes=classes, feature_names=feature_names, target=target, info=info)
    if isinstance(model, _NeuralNet):
        if classes is not None or any(extras.values()):
            raise argument_error(
                "model",
                type(model).__name__,
                "a Network when standardizer, classes, feature_names, "
                "target or info are given (an estimator carries its own)",
            )
        model = to_record(model)
    return model_file.save(model, path, **extras)


def load(path):
    """Load a model saved by ``save``; reads JSON and raw arrays only, never code.

    Returns
    -------
    SavedNetwork, NeuralNetClassifier or NeuralNetRegressor
        What was saved (a Network comes back as a SavedNetwork: ``.network``, ``.standardizer``,
        ``.classes``, ``.feature_names``, ``.target``, ``.info``).

    Raises
    ------
    ModelFileError
        The file is missing, truncated, damaged, of another format version, not a practicalnn model
        (a pickle, a zip, random bytes, another program's safetensors file), or holds a field whose
        value makes no sense (the digest catches damage, not edits: every field is checked).
    """
    return read(path)


def read(path, argument="path"):
    """``load``, with errors naming ``argument`` (the CLI's ``model``)."""
    model = model_file.read_model(path, argument)
    return from_record(model) if isinstance(model, EstimatorRecord) else model

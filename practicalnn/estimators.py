"""scikit-learn estimators: NeuralNetClassifier and NeuralNetRegressor, a thin face over the engine.

They follow the scikit-learn contract (``__init__`` only stores its arguments, ``fit`` validates
them and the data, fitted attributes end in ``_``) and take data the scikit-learn way, one row
per example: X is (n_samples, n_features). It is transposed once, at the boundary, into the notes'
layout (n_x, m), then a practicalnn ``Network`` is built and trained by the ``Trainer``: the math
is the engine's, not a copy of it.

``max_iter`` counts parameter updates (the notes' iterations): with ``batch_size=None`` (the
default, full-batch as in the notes) that is one pass over the data each; with mini-batches it is
one mini-batch each.
"""

from __future__ import annotations

import logging
import math
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import NotFittedError as _SklearnNotFitted
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .core.activations import hidden_activation
from .core.initializers import Initializer, initializer
from .core.network import Network
from .errors import DataError, DataTypeError, PracticalNNError, TrainingDiverged, bad
from .io.model_file import (
    classes_from_json,
    classes_to_json,
    history_from_parts,
    history_to_parts,
    network_from,
    standardizer_from_json,
    standardizer_to_json,
)
from .training.callbacks import Callback
from .training.optimizers import OPTIMIZERS
from .training.trainer import TrainConfig, train

log = logging.getLogger("practicalnn.estimators")

#: Iterations between two looks at the validation cost when ``early_stopping=True``;
#: ``n_iter_no_change`` counts such looks.
CHECK_EVERY = 10


class NotFittedError(PracticalNNError, _SklearnNotFitted):
    """A prediction was asked of an estimator that has not been fitted."""


def _validated(estimator, call, **kwargs):
    """``validate_data`` with its errors turned into the library's own, prefixed by the call."""
    try:
        return validate_data(estimator, **kwargs)
    except PracticalNNError:
        raise
    except TypeError as err:
        raise DataTypeError(f"{call}: {' '.join(str(err).split())}") from None
    except ValueError as err:
        raise DataError(f"{call}: {' '.join(str(err).split())}") from None


def _flag(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise bad(name, value, "True or False")
    return bool(value)


class _NeuralNet(BaseEstimator):
    """What the classifier and the regressor share: parameters, validation, training, files."""

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        init="he",
        l2=0.0,
        l1=0.0,
        keep_prob=1.0,
        solver="adam",
        learning_rate=0.001,
        max_iter=2000,
        batch_size=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        normalize=True,
        random_state=None,
        verbose=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
        self.l2 = l2
        self.l1 = l1
        self.keep_prob = keep_prob
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.normalize = normalize
        self.random_state = random_state
        self.verbose = verbose

    # -- parameters ---------------------------------------------------------------------------
    def _hidden(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, (int, np.integer)) and not isinstance(sizes, bool):
            sizes = (sizes,)
        try:
            sizes = tuple(sizes)
        except TypeError:
            raise bad("hidden_layer_sizes", sizes, "a sequence of positive integers, like (100,) or (20, 3)") from None
        if isinstance(self.hidden_layer_sizes, str) or not all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1 for n in sizes
        ):
            raise bad("hidden_layer_sizes", self.hidden_layer_sizes, "positive integers, like (100,) or (20, 3)")
        return tuple(int(n) for n in sizes)

    def _config(self):
        """Check every parameter; return ``(hidden sizes, TrainConfig)``."""
        hidden = self._hidden()
        hidden_activation(self.activation)
        initializer(self.init)
        if self.solver not in OPTIMIZERS:
            raise bad("solver", self.solver, f"one of {', '.join(OPTIMIZERS)}")
        if isinstance(self.max_iter, bool) or not isinstance(self.max_iter, (int, np.integer)) or self.max_iter < 1:
            raise bad("max_iter", self.max_iter, "an integer >= 1 (parameter updates)")
        _flag("early_stopping", self.early_stopping)
        _flag("normalize", self.normalize)
        vf = self.validation_fraction
        if isinstance(vf, bool) or not isinstance(vf, numbers.Real) or not 0 < vf < 1:
            raise bad("validation_fraction", vf, "a fraction in (0, 1)")
        n = self.n_iter_no_change
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise bad("n_iter_no_change", n, "an integer >= 1")
        if not isinstance(self.verbose, (bool, int, np.integer)) or self.verbose < 0:
            raise bad("verbose", self.verbose, "True, False or an integer >= 0")
        self._check_random_state()
        config = TrainConfig(
            learning_rate=self.learning_rate,
            iterations=int(self.max_iter),
            l2=self.l2,
            l1=self.l1,
            keep_prob=self.keep_prob,
            optimizer=self.solver,
            batch_size=self.batch_size,
            record_every=1,
        )
        return hidden, config

    def _check_random_state(self):
        rs = self.random_state
        if not (
            rs is None
            or isinstance(rs, (np.random.Generator, np.random.RandomState))
            or (isinstance(rs, (int, np.integer)) and not isinstance(rs, bool) and rs >= 0)
        ):
            raise bad("random_state", rs, "None, a non-negative integer, a numpy Generator or RandomState")

    def _seeds(self):
        """Two independent generators from ``random_state``: the validation split, the training run.
        A Generator or RandomState given by the caller is drawn from (so each fit differs); checked
        by ``_config``, which ``fit`` calls first."""
        rs = self.random_state
        if isinstance(rs, np.random.RandomState):
            rs = int(rs.randint(np.iinfo(np.int32).max))
        root = rs if isinstance(rs, np.random.Generator) else np.random.default_rng(rs)
        return root.spawn(2)

    # -- fitting ------------------------------------------------------------------------------
    def fit(self, X, y):
        """Train a new network on X (n_samples, n_features) and targets y.

        Returns
        -------
        self
            Fitted. On divergence ``TrainingDiverged`` is raised after the fitted attributes are
            set to the last finite parameters and the history so far; on Ctrl-C ``fit`` returns
            with ``history_.stopped == "interrupted"``.
        """
        hidden, config = self._config()
        X, Y = self._fit_data(X, y)
        split_rng, train_rng = self._seeds()
        X, Y, X_dev, Y_dev = self._split(X, Y, split_rng)
        X = X.T
        self.standardizer_ = None
        if self.normalize:
            from .data.scaling import Standardizer

            self.standardizer_ = Standardizer().fit(X)
            X = self.standardizer_.transform(X)
        net = Network(
            [X.shape[0], *hidden, Y.shape[0] if self._output != "softmax" else self._n_classes()],
            self.activation,
            self._output,
        )
        self.network_ = net
        try:
            history = train(
                net, X, Y, config, rng=train_rng, init=self.init, callbacks=self._callbacks(X_dev, Y_dev, config)
            )
        except TrainingDiverged as err:
            self._record(err.history)
            raise
        self._record(history)
        return self

    def _record(self, history):
        self.history_ = history
        self.n_iter_ = history.iterations_run
        self.loss_curve_ = list(history.cost)

    def _split(self, X, Y, rng):
        """Hold out ``validation_fraction`` of the examples when early stopping; else none."""
        if not self.early_stopping:
            return X, Y, None, None
        m = X.shape[0]
        n_dev = int(math.ceil(self.validation_fraction * m))
        if n_dev < 1 or m - n_dev < 1:
            raise bad(
                "validation_fraction",
                self.validation_fraction,
                f"a fraction leaving examples on both sides of {m} (early_stopping)",
                DataError,
            )
        order = rng.permutation(m)
        dev, train = order[:n_dev], order[n_dev:]
        return X[train], Y[:, train], X[dev], Y[:, dev]

    def _callbacks(self, X_dev, Y_dev, config):
        callbacks = []
        if X_dev is not None:
            from .regularization.early_stopping import EarlyStopping

            X_dev = X_dev.T if self.standardizer_ is None else self.standardizer_.transform(X_dev.T)
            callbacks.append(
                EarlyStopping(X_dev, Y_dev, every=CHECK_EVERY, patience=int(self.n_iter_no_change), restore_best=True)
            )
        if self.verbose:
            callbacks.append(_LogCost(max(1, config.iterations // 10)))
        return callbacks

    # -- predicting ---------------------------------------------------------------------------
    def _check_fitted(self):
        try:
            check_is_fitted(self, "network_")
        except _SklearnNotFitted as err:
            raise NotFittedError(str(err)) from None

    def _inputs(self, X, call):
        """X (n_samples, n_features) checked against the fit, as the network's (n_x, m) input."""
        self._check_fitted()
        X = _validated(self, call, X=X, reset=False, dtype=np.float64).T
        return X if self.standardizer_ is None else self.standardizer_.transform(X)

    def _output_of(self, X, call):
        X = self._inputs(X, call)  # checks the estimator is fitted first
        return self.network_.forward_checked(X, f"{call}: X")

    # -- model files --------------------------------------------------------------------------
    def _params_json(self):
        params = self.get_params(deep=False)
        sizes = params["hidden_layer_sizes"]
        params["hidden_layer_sizes"] = int(sizes) if isinstance(sizes, (int, np.integer)) else list(self._hidden())
        if isinstance(params["keep_prob"], (list, tuple, np.ndarray)):
            params["keep_prob"] = [float(p) for p in params["keep_prob"]]
        init = params["init"]
        if isinstance(init, Initializer):
            params["init"] = {"name": init.name, "scale": init.scale, "numerator": init.numerator}
        rs = params["random_state"]
        params["random_state"] = int(rs) if isinstance(rs, (int, np.integer)) else None
        params["verbose"] = int(params["verbose"]) if not isinstance(params["verbose"], bool) else params["verbose"]
        return params

    def _file_parts(self):
        self._check_fitted()
        header = {
            "params": self._params_json(),
            "network": self.network_.config(),
            "standardizer": standardizer_to_json(self.standardizer_),
            "classes": classes_to_json(getattr(self, "classes_", None)),
            "n_features_in": int(self.n_features_in_),
            "feature_names_in": None
            if not hasattr(self, "feature_names_in_")
            else [str(n) for n in self.feature_names_in_],
        }
        header["history"], tensors = history_to_parts(self.history_)
        return header, {"params": self.network_.params, **tensors}

    @classmethod
    def _from_file_parts(cls, header, tensors, fail):
        params = header.get("params")
        if not isinstance(params, dict) or not set(params) <= set(cls._get_param_names()):
            raise fail(f"its {cls.__name__} parameters are missing or unknown")
        try:
            if isinstance(params.get("hidden_layer_sizes"), list):
                params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
            if isinstance(params.get("init"), dict):
                params["init"] = Initializer(**params["init"])
            est = cls(**params)
            hidden, _ = est._config()
        except (PracticalNNError, KeyError, TypeError, ValueError) as err:
            raise fail(f"its parameters are invalid ({err})") from None
        expected = {"params", "history.iterations", "history.cost", "history.cost_unpenalized"}
        if set(tensors) != expected:
            raise fail(f"it holds tensors {sorted(tensors)}; an estimator file holds {sorted(expected)}")
        history = history_from_parts(header.get("history"), tensors, fail)
        net = network_from(header, tensors, fail)
        n_x = header.get("n_features_in")
        if (
            n_x != net.layer_sizes[0]
            or tuple(net.layer_sizes[1:-1]) != hidden
            or net.output.name != est._output_for(net)
        ):
            raise fail("its network does not match its parameters")
        est.network_, est.n_features_in_ = net, n_x
        names = header.get("feature_names_in")
        if names is not None:
            if not isinstance(names, list) or len(names) != n_x or not all(isinstance(s, str) for s in names):
                raise fail("its feature names are malformed")
            est.feature_names_in_ = np.array(names, dtype=object)
        est.standardizer_ = standardizer_from_json(header.get("standardizer"), n_x, fail)
        if (est.standardizer_ is None) == bool(est.normalize):
            raise fail("its normalization statistics do not match normalize")
        est._restore(header, net, fail)
        est._record(history)
        return est


class _LogCost(Callback):
    """``verbose``: the cost, ten times over a run, on the ``practicalnn.estimators`` logger."""

    def __init__(self, every):
        self.every = every

    def on_check(self, trainer, iteration):
        log.info("iteration %d: cost %.6g", iteration, trainer.history.cost[-1])
        return False


class NeuralNetClassifier(ClassifierMixin, _NeuralNet):
    """A fully connected network for classification, with the scikit-learn interface.

    Two classes get one sigmoid output (binary cross-entropy); more get a softmax output
    (categorical cross-entropy). Labels can be of any type (integers, strings, ...).

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Units of each hidden layer; ``()`` for none (logistic regression).
    activation : {"relu", "leaky_relu", "tanh", "sigmoid"}, default="relu"
        Hidden activation.
    init : str or Initializer, default="he"
        Weight initialization (notes 12): zeros, normal, xavier, glorot, he or notebook.
    l2, l1 : float, default=0.0
        Penalty strengths lambda (>= 0): ``lambda/(2m) * sum ||W||^2`` and ``lambda/(2m) * sum |W|``.
    keep_prob : float or list of float, default=1.0
        Inverted-dropout keep probability of the hidden layers (one value or one per layer), in (0, 1].
    solver : {"gd", "momentum", "rmsprop", "adam"}, default="adam"
        The optimizer.
    learning_rate : float, default=0.001
        Step size alpha (> 0).
    max_iter : int, default=2000
        Parameter updates (iterations).
    batch_size : int or None, default=None
        None for full-batch gradient descent (the notes'); else mini-batches of this size.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when its cost has not improved for
        ``n_iter_no_change`` checks (one every ``CHECK_EVERY`` iterations), keeping the best weights.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    normalize : bool, default=True
        Standardize each feature with the training set's mean and standard deviation (notes 10).
    random_state : None, int, numpy Generator or RandomState, default=None
        Seeds the initial weights, dropout masks, mini-batch order and validation split.
    verbose : bool, default=False
        Log the cost ten times per run on the ``practicalnn.estimators`` logger (level INFO).

    Attributes
    ----------
    classes_ : ndarray (n_classes,)
    network_ : practicalnn.Network
    standardizer_ : practicalnn.data.scaling.Standardizer or None
    history_ : practicalnn.History
    n_iter_ : int
    loss_curve_ : list of float
        The cost (penalty included) at every iteration.
    n_features_in_ : int
    feature_names_in_ : ndarray, when X had string column names
    """

    _output = "sigmoid"

    def _fit_data(self, X, y):
        X, y = _validated(self, "fit(X, y)", X=X, y=y, reset=True, dtype=np.float64)
        try:
            check_classification_targets(y)
            classes, codes = np.unique(y, return_inverse=True)
        except (ValueError, TypeError) as err:
            raise DataError(f"fit(X, y): y: {err}") from None
        if len(classes) < 2:
            raise bad("y", f"labels of 1 class ({classes[0]})", "at least 2 classes to tell apart", DataError)
        self.classes_ = classes
        self._output = "sigmoid" if len(classes) == 2 else "softmax"
        return X, codes.reshape(1, -1)

    def _n_classes(self):
        return len(self.classes_)

    def _output_for(self, net):
        return "sigmoid" if net.layer_sizes[-1] == 1 else "softmax"

    def _restore(self, header, net, fail):
        classes = classes_from_json(header.get("classes"), fail)
        if classes is None or len(classes) != (2 if net.output.name == "sigmoid" else net.layer_sizes[-1]):
            raise fail("its classes do not match its output layer")
        self.classes_ = classes
        self._output = net.output.name

    def decision_function(self, X):
        """The output layer's pre-activation Z[L]: (n_samples,) logits for two classes (positive
        means ``classes_[1]``), (n_samples, n_classes) for more."""
        Z = self._output_of(X, "decision_function(X)").Z[-1]
        return Z[0].copy() if Z.shape[0] == 1 else Z.T.copy()

    def predict_proba(self, X):
        """Class probabilities (n_samples, n_classes), columns in the order of ``classes_``."""
        A = self._output_of(X, "predict_proba(X)").A[-1]
        if A.shape[0] == 1:
            return np.column_stack([1 - A[0], A[0]])
        return A.T.copy()

    def predict_log_proba(self, X):
        """``log(predict_proba(X))``."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The predicted label of each row of X (n_samples,), drawn from ``classes_``."""
        A = self._output_of(X, "predict(X)").A[-1]
        return self.classes_[self.network_.output.predict(A)[0]]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        tags.classifier_tags.multi_label = False
        return tags


class NeuralNetRegressor(RegressorMixin, _NeuralNet):
    """A fully connected network for regression (identity output, squared error
    ``1/(2m) * sum (a - y)^2``), single or multi-output, with the scikit-learn interface.

    Parameters and attributes are those of ``NeuralNetClassifier`` (without ``classes_``), plus
    ``n_outputs_``. Targets are used as given (not standardized): on targets of a large scale,
    raise ``learning_rate`` or ``max_iter``, or scale y yourself (``TransformedTargetRegressor``).
    """

    _output = "identity"

    def _fit_data(self, X, y):
        X, y = _validated(self, "fit(X, y)", X=X, y=y, reset=True, dtype=np.float64, multi_output=True, y_numeric=True)
        if y.dtype.kind not in "biuf":
            raise bad("y", f"targets of dtype {y.dtype}", "numbers for a regressor", DataError)
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        self.n_outputs_ = Y.shape[1]
        return X, Y.T.astype(np.float64)

    def _output_for(self, net):
        return "identity"

    def _restore(self, header, net, fail):
        self.n_outputs_ = net.layer_sizes[-1]

    def predict(self, X):
        """Predicted targets: (n_samples,) for one output, (n_samples, n_outputs) for more."""
        A = self._output_of(X, "predict(X)").A[-1]
        return A[0].copy() if A.shape[0] == 1 else A.T.copy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags

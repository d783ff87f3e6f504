"""What the classifier and the regressor share: parameters and their constraints, fitting, predicting."""

from __future__ import annotations

import math
import re
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.exceptions import NotFittedError as _SklearnNotFitted
from sklearn.utils._param_validation import Interval, InvalidParameterError, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..core.activations import HIDDEN
from ..core.initializers import SCHEMES, Initializer
from ..core.network import Network
from ..errors import DataError, DataTypeError, PracticalNNError, TrainingDiverged, argument_error
from ..training.optimizers import OPTIMIZERS
from ..training.trainer import TrainConfig, train
from ._epochs import EpochLoss, batch_plan


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


_INVALID = re.compile(r"^The '(\w+)' parameter of \w+ must be (.*)\. Got .* instead\.$", re.S)


class _NeuralNet(BaseEstimator):
    """What the classifier and the regressor share: parameters, validation, training, files."""

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        init="glorot",
        l2=0.0,
        l1=0.0,
        keep_prob=1.0,
        solver="adam",
        learning_rate=0.001,
        max_iter=200,
        batch_size="auto",
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        normalize=True,
        random_state=None,
        verbose=False,
        batch_norm=False,
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
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.normalize = normalize
        self.random_state = random_state
        self.verbose = verbose
        self.batch_norm = batch_norm

    # -- parameters ---------------------------------------------------------------------------
    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(HIDDEN))],
        "init": [StrOptions(set(SCHEMES)), Initializer],
        "l2": [Interval(Real, 0, None, closed="left")],
        "l1": [Interval(Real, 0, None, closed="left")],
        "keep_prob": [Interval(Real, 0, 1, closed="right"), "array-like"],
        "solver": [StrOptions(set(OPTIMIZERS))],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), None, Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "normalize": ["boolean"],
        "random_state": [None, Interval(Integral, 0, None, closed="left"), np.random.Generator, np.random.RandomState],
        "verbose": ["verbose"],
        "batch_norm": ["boolean"],
    }

    def _validate_params(self):
        """scikit-learn's check of ``_parameter_constraints``, its error as the library's ConfigError."""
        try:
            super()._validate_params()
        except InvalidParameterError as err:
            match = _INVALID.match(str(err))
            if match is None:
                raise argument_error(type(self).__name__, self.get_params(deep=False), str(err)) from None
            name, expected = match.groups()
            raise argument_error(name, getattr(self, name), expected) from None
        self._hidden()

    def _hidden(self):
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, Integral) else tuple(sizes)
        if not all(isinstance(n, Integral) and not isinstance(n, bool) and n >= 1 for n in sizes):
            raise argument_error(
                "hidden_layer_sizes", self.hidden_layer_sizes, "positive integers, like (100,) or (20, 3)"
            )
        return tuple(int(n) for n in sizes)

    def _config(self, n_samples=None):
        """``(hidden sizes, TrainConfig)`` from parameters checked by ``_validate_params``: ``max_iter``
        epochs over ``n_samples`` training examples in mini-batches of ``batch_size``."""
        batch, per_epoch = batch_plan(self.batch_size, n_samples)
        config = TrainConfig(
            learning_rate=self.learning_rate,
            iterations=int(self.max_iter) * per_epoch,
            l2=self.l2,
            l1=self.l1,
            keep_prob=self.keep_prob,
            optimizer=self.solver,
            batch_size=batch,
            record_every=1,
        )
        return self._hidden(), config

    def _seeds(self):
        """Two independent generators from ``random_state``: the validation split, the training run.
        A Generator or RandomState given by the caller is drawn from (so each fit differs)."""
        rs = self.random_state
        if isinstance(rs, np.random.RandomState):
            rs = int(rs.randint(np.iinfo(np.int32).max))
        root = rs if isinstance(rs, np.random.Generator) else np.random.default_rng(rs)
        return root.spawn(2)

    # -- fitting ------------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train a new network on X (n_samples, n_features) and targets y.

        Returns
        -------
        self
            Fitted. On divergence ``TrainingDiverged`` is raised after the fitted attributes are
            set to the last finite parameters and the history so far; on Ctrl-C ``fit`` returns
            with ``history_.stopped == "interrupted"``.
        """
        X, Y = self._fit_data(X, y)
        split_rng, train_rng = self._seeds()
        X, Y, X_dev, Y_dev = self._split(X, Y, split_rng)
        hidden, config = self._config(X.shape[0])
        X = X.T
        self.standardizer_ = None
        if self.normalize:
            from ..data.scaling import Standardizer

            self.standardizer_ = Standardizer().fit(X)
            X = self.standardizer_.transform(X)
        net = Network(
            [X.shape[0], *hidden, Y.shape[0] if self._output != "softmax" else self._n_classes()],
            self.activation,
            self._output,
            batch_norm=bool(self.batch_norm),
        )
        self.network_ = net
        callbacks = self._callbacks(X_dev, Y_dev, X.shape[1], config)
        try:
            history = train(net, X, Y, config, rng=train_rng, init=self.init, callbacks=callbacks)
        except TrainingDiverged as err:
            self._record(err.history)
            raise
        self._record(history)
        if history.stopped == "completed":
            warnings.warn(
                f"{type(self).__name__}: maximum iterations ({self.max_iter} epochs) reached and the "
                "optimization hasn't converged yet",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def _record(self, history):
        """The fitted attributes a history gives: ``n_iter_`` epochs completed and the ``loss_curve_`` per
        epoch, ending with the loss of an epoch cut short (the non-finite one of a divergence)."""
        self.history_ = history
        epochs = history.curves.get("epoch_loss")
        if not epochs or not epochs[0]:
            self.loss_curve_, self.n_iter_ = list(history.cost), history.iterations_run
            return
        self.loss_curve_, self.n_iter_ = list(epochs[1]), len(epochs[1])
        partial = [c for it, c in zip(history.iterations, history.cost) if it >= epochs[0][-1]]
        if partial:
            self.loss_curve_.append(sum(partial) / len(partial))

    def _split(self, X, Y, rng):
        """Hold out ``validation_fraction`` of the examples when early stopping; else none."""
        if not self.early_stopping:
            return X, Y, None, None
        m = X.shape[0]
        n_dev = int(math.ceil(self.validation_fraction * m))
        if n_dev < 1 or m - n_dev < 1:
            raise argument_error(
                "validation_fraction",
                self.validation_fraction,
                f"a fraction leaving examples on both sides of {m} (early_stopping)",
                DataError,
            )
        order = rng.permutation(m)
        dev, train = order[:n_dev], order[n_dev:]
        return X[train], Y[:, train], X[dev], Y[:, dev]

    def _callbacks(self, X_dev, Y_dev, n_train, config):
        """Early stopping on the held-out split when asked (checked once per epoch), then the epoch loss:
        recorded, printed when ``verbose``, and the stop on it when there is no early stopping."""
        per_epoch = 1 if config.batch_size is None else math.ceil(n_train / config.batch_size)
        callbacks = []
        if X_dev is not None:
            from ..regularization.early_stopping import EarlyStopping

            X_dev = X_dev.T if self.standardizer_ is None else self.standardizer_.transform(X_dev.T)
            callbacks.append(
                EarlyStopping(
                    X_dev,
                    Y_dev,
                    every=per_epoch,
                    patience=int(self.n_iter_no_change),
                    min_delta=float(self.tol),
                    restore_best=True,
                )
            )
        epochs = EpochLoss(
            n_train,
            config.batch_size,
            per_epoch,
            tol=float(self.tol),
            n_iter_no_change=int(self.n_iter_no_change),
            stop_on_loss=X_dev is None,
            verbose=bool(self.verbose),
        )
        return [*callbacks, epochs]

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

    # -- leaving practicalnn ------------------------------------------------------------------
    def saved_network(self):
        """The fitted network with what prediction needs (standardizer, classes, feature names)."""
        from ..io.model_file import SavedNetwork

        self._check_fitted()
        names = getattr(self, "feature_names_in_", None)
        return SavedNetwork(
            self.network_,
            self.standardizer_,
            getattr(self, "classes_", None),
            None if names is None else [str(n) for n in names],
        )

    def to_onnx(self, path=None):
        """The whole inference graph as an ONNX model (``practicalnn.io.onnx_export``), written to ``path``
        when given; needs the ``onnx`` extra."""
        from ..io.onnx_export import to_onnx

        return to_onnx(self.saved_network(), path)

    def to_torch(self):
        """A ``torch.nn.Sequential`` (float64) computing ``predict_proba`` (classifiers) or ``predict``
        (regressors) from rows of inputs; needs the ``torch`` extra."""
        from ..io.torch_bridge import to_torch

        return to_torch(self.saved_network())

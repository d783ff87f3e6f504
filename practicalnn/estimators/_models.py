"""The two estimators: NeuralNetClassifier and NeuralNetRegressor (what they share is ``_base``)."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets

from ..errors import DataError, argument_error
from ._base import _NeuralNet, _validated


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
    init : str or Initializer, default="glorot"
        Weight initialization (notes 12): zeros, normal, xavier, glorot, he or notebook. Glorot's
        variance 2 / (n[l-1] + n[l]) is the one scikit-learn's MLP draws from.
    l2, l1 : float, default=0.0
        Penalty strengths lambda (>= 0): ``lambda/(2m) * sum ||W||^2`` and ``lambda/(2m) * sum |W|``.
    keep_prob : float or list of float, default=1.0
        Inverted-dropout keep probability of the hidden layers (one value or one per layer), in (0, 1].
    solver : {"gd", "momentum", "rmsprop", "adam"}, default="adam"
        The optimizer.
    learning_rate : float, default=0.001
        Step size alpha (> 0).
    max_iter : int, default=200
        Epochs (passes over the training data), as scikit-learn's MLP counts them.
    batch_size : int, "auto" or None, default="auto"
        Mini-batch size, reshuffled every epoch; "auto" is min(200, n_samples); None is full-batch
        gradient descent (the notes': one update per epoch).
    tol : float, default=1e-4
        Training stops once the epoch's training loss (or, with ``early_stopping``, the validation
        cost) has not improved by ``tol`` for more than ``n_iter_no_change`` epochs in a row.
    n_iter_no_change : int, default=10
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data, look at its cost once per epoch, stop after
        ``n_iter_no_change`` epochs without an improvement of ``tol`` and keep the best weights.
    validation_fraction : float, default=0.1
    normalize : bool, default=True
        Standardize each feature with the training set's mean and standard deviation (notes 10).
    random_state : None, int, numpy Generator or RandomState, default=None
        Seeds the initial weights, dropout masks, mini-batch order and validation split.
    verbose : bool, default=False
        Print the training loss of every epoch (and the validation cost with early stopping), as
        scikit-learn's estimators do.
    batch_norm : bool, default=False
        Batch-normalize every hidden layer (gamma, beta learned; the running averages of mu and sigma^2
        used at prediction).

    Attributes
    ----------
    classes_ : ndarray (n_classes,)
    network_ : practicalnn.Network
    standardizer_ : practicalnn.data.scaling.Standardizer or None
    history_ : practicalnn.History
    n_iter_ : int
        Epochs run.
    loss_curve_ : list of float
        The training loss (penalty included) of every epoch: the mean of its mini-batch costs.
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
            raise argument_error(
                "y", f"labels of 1 class ({classes[0]})", "at least 2 classes to tell apart", DataError
            )
        self.classes_ = classes
        self._output = "sigmoid" if len(classes) == 2 else "softmax"
        return X, codes.reshape(1, -1)

    def _n_classes(self):
        return len(self.classes_)

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
            raise argument_error("y", f"targets of dtype {y.dtype}", "numbers for a regressor", DataError)
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        self.n_outputs_ = Y.shape[1]
        return X, Y.T.astype(np.float64)

    def predict(self, X):
        """Predicted targets: (n_samples,) for one output, (n_samples, n_outputs) for more."""
        A = self._output_of(X, "predict(X)").A[-1]
        return A[0].copy() if A.shape[0] == 1 else A.T.copy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags

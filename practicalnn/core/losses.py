"""Output layers: an activation paired with its loss, each with its gradient beside it.

Each pair is the canonical one, so the gradient of the mean loss with respect to the output
pre-activation is ``dZ[L] = A[L] - Y`` (the notebook's ``dZ3 = A3 - Y``); the 1/m is applied by
backward, where the notebook applies it. Costs are means over the m examples (columns) of the
per-example loss summed over output units.
"""

from __future__ import annotations

import numpy as np

from ..errors import DataError, argument_error
from .activations import Activation, Identity, Sigmoid, Softmax


class Output:
    """An output activation, its loss, and how labels map onto it."""

    name = ""
    activation: Activation

    def encode(self, Y, n_out):
        """Check labels ``Y`` against an output layer of ``n_out`` units; return them as (n_out, m)."""
        raise NotImplementedError

    def cost(self, A, Y, Z=None):
        raise NotImplementedError

    def dZ(self, A, Y):
        return A - Y

    def predict(self, A):
        raise NotImplementedError

    def accuracy(self, A, Y):
        """Share of examples (columns) whose prediction from the output activations ``A`` is the
        label in ``Y`` (encoded as ``encode`` returns it)."""
        if self.name == "identity":
            raise argument_error("output", "identity", "a classification output (sigmoid or softmax) for accuracy")
        return float(np.mean(np.all(self.predict(A) == self.predict(Y), axis=0)))


def _as_2d(Y, argument="Y"):
    try:
        Y = np.asarray(Y)
    except (ValueError, TypeError):
        raise argument_error(argument, type(Y).__name__, "a rectangular array of labels", DataError) from None
    if Y.ndim == 1:
        Y = Y.reshape(1, -1)
    if Y.ndim != 2:
        raise argument_error(
            argument, f"array of shape {Y.shape}", "a (n_y, m) array, one column per example", DataError
        )
    return Y


class SigmoidBinaryCrossEntropy(Output):
    """Sigmoid output with binary cross-entropy: formula (1) of the notebook."""

    name = "sigmoid"
    activation = Sigmoid()

    def encode(self, Y, n_out):
        Y = _as_2d(Y)
        if Y.shape[0] != n_out:
            raise argument_error(
                "Y", f"labels of shape {Y.shape}", f"({n_out}, m) for a sigmoid output of {n_out} unit(s)", DataError
            )
        values = np.unique(Y)
        if not np.isin(values, (0, 1)).all():
            shown = values[:5].tolist()
            raise argument_error("Y", f"labels {shown}", "0/1 labels for a sigmoid output", DataError)
        return Y.astype(float, copy=False)

    def cost(self, A, Y, Z=None):
        """Mean binary cross-entropy.

        With the logits ``Z`` it is computed stably as ``log(1 + exp(-z))`` / ``log(1 + exp(z))``,
        finite however saturated the output; with the probabilities ``A`` alone it is the
        notebook's ``-y log a - (1 - y) log(1 - a)``, with ``a`` kept off exactly 0 and 1.
        """
        m = Y.shape[1]
        if Z is not None:
            losses = Y * np.logaddexp(0, -Z) + (1 - Y) * np.logaddexp(0, Z)
            return float(1.0 / m * np.sum(losses))
        tiny = np.finfo(np.float64).tiny
        A = np.clip(A, tiny, 1 - np.finfo(np.float64).epsneg)
        logprobs = np.multiply(-np.log(A), Y) + np.multiply(-np.log(1 - A), 1 - Y)
        return float(1.0 / m * np.sum(logprobs))

    def predict(self, A):
        return (A > 0.5).astype(int)


class SoftmaxCrossEntropy(Output):
    """Softmax output with categorical cross-entropy; labels one-hot (K, m) or integers (1, m)."""

    name = "softmax"
    activation = Softmax()

    def encode(self, Y, n_out):
        Y = _as_2d(Y)
        if Y.shape[0] == 1 and n_out > 1:
            labels = Y[0]
            if not np.all(np.equal(np.mod(labels, 1), 0)) or labels.min() < 0 or labels.max() >= n_out:
                raise argument_error(
                    "Y",
                    f"labels {np.unique(labels)[:5].tolist()}",
                    f"integer class labels in 0..{n_out - 1} for a softmax output of {n_out} units",
                    DataError,
                )
            onehot = np.zeros((n_out, Y.shape[1]))
            onehot[labels.astype(int), np.arange(Y.shape[1])] = 1.0
            return onehot
        if Y.shape[0] != n_out:
            raise argument_error(
                "Y", f"labels of shape {Y.shape}", f"({n_out}, m) one-hot or (1, m) integer labels", DataError
            )
        if not (np.isin(Y, (0, 1)).all() and np.all(Y.sum(axis=0) == 1)):
            raise argument_error("Y", "a (K, m) array", "one-hot columns (a single 1 in each)", DataError)
        return Y.astype(float, copy=False)

    def cost(self, A, Y, Z=None):
        m = Y.shape[1]
        if Z is not None:
            zmax = Z.max(axis=0, keepdims=True)
            log_norm = zmax + np.log(np.sum(np.exp(Z - zmax), axis=0, keepdims=True))
            return float(1.0 / m * np.sum(Y * (log_norm - Z)))
        A = np.clip(A, np.finfo(np.float64).tiny, 1.0)
        return float(1.0 / m * np.sum(-Y * np.log(A)))

    def predict(self, A):
        return np.argmax(A, axis=0).reshape(1, -1)


class IdentityMeanSquaredError(Output):
    """Identity output with J = 1/(2m) * sum of squared errors (scikit-learn's squared loss)."""

    name = "identity"
    activation = Identity()

    def encode(self, Y, n_out):
        Y = _as_2d(Y)
        if Y.shape[0] != n_out:
            raise argument_error(
                "Y", f"targets of shape {Y.shape}", f"({n_out}, m) for an identity output of {n_out} unit(s)", DataError
            )
        if not np.issubdtype(Y.dtype, np.number):
            raise argument_error("Y", f"targets of dtype {Y.dtype}", "numbers for a regression output", DataError)
        return Y.astype(float, copy=False)

    def cost(self, A, Y, Z=None):
        m = Y.shape[1]
        return float(1.0 / (2 * m) * np.sum((A - Y) ** 2))

    def predict(self, A):
        return A


OUTPUTS = {cls.name: cls for cls in (SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy, IdentityMeanSquaredError)}


def output_layer(name):
    """The output called ``name``: sigmoid (binary), softmax (multiclass) or identity (regression)."""
    if isinstance(name, Output):
        return name
    try:
        return OUTPUTS[name]()
    except (KeyError, TypeError):
        raise argument_error("output", name, f"one of {', '.join(OUTPUTS)}") from None

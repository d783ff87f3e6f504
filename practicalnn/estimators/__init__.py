"""scikit-learn estimators: NeuralNetClassifier and NeuralNetRegressor, a thin face over the engine.

They follow the scikit-learn contract (``__init__`` only stores its arguments, ``fit`` validates
them and the data, fitted attributes end in ``_``) and take data the scikit-learn way, one row
per example: X is (n_samples, n_features). It is transposed once, at the boundary, into the notes'
layout (n_x, m), then a practicalnn ``Network`` is built and trained by the ``Trainer``: the math
is the engine's, not a copy of it.

The defaults are scikit-learn's MLP's: mini-batch Adam (``batch_size="auto"``, min(200, n_samples)),
learning rate 0.001, ``max_iter=200`` epochs (passes over the data), and a stop once the training loss
has not fallen by ``tol`` for more than ``n_iter_no_change`` epochs. ``batch_size=None`` is the notes'
full-batch gradient descent (one update per epoch).
"""

from ._base import NotFittedError
from ._models import NeuralNetClassifier, NeuralNetRegressor
from .files import load, save

__all__ = ["NeuralNetClassifier", "NeuralNetRegressor", "NotFittedError", "load", "save"]

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

from ._base import CHECK_EVERY, NotFittedError
from ._models import NeuralNetClassifier, NeuralNetRegressor
from .files import load, save

__all__ = ["CHECK_EVERY", "NeuralNetClassifier", "NeuralNetRegressor", "NotFittedError", "load", "save"]

"""practicalnn: fully connected networks in NumPy, with every practical technique of deep learning
visible and checkable."""

from .core.initializers import Initializer
from .core.network import Network
from .data.datasets import Dataset, load_dataset, load_moons
from .errors import ConfigError, DataError, ModelFileError, PracticalNNError, TrainingDiverged
from .regularization.penalties import Penalty
from .training.callbacks import Callback
from .training.history import History
from .training.trainer import TrainConfig, Trainer, train

__version__ = "0.1.0"

__all__ = [
    "Callback", "ConfigError", "DataError", "Dataset", "History", "Initializer", "ModelFileError",
    "Network", "Penalty", "PracticalNNError", "TrainConfig", "Trainer", "TrainingDiverged",
    "load_dataset", "load_moons", "train", "__version__",
]

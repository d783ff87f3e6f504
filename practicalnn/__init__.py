"""practicalnn: fully connected networks in NumPy, with every practical technique of deep learning
visible and checkable.

The engine (``Network``, ``train``, ``TrainConfig``) is imported at once; everything else is
imported on first use, so ``import practicalnn`` stays quick for the command line.
"""

from importlib import import_module

from ._version import __version__
from .core.initializers import Initializer
from .core.network import Network
from .core.penalties import Penalty
from .data.datasets import Dataset, load_dataset, load_moons
from .errors import ConfigError, DataError, ModelFileError, PracticalNNError, TrainingDiverged
from .training.callbacks import Callback
from .training.history import History
from .training.trainer import TrainConfig, Trainer, train

#: Public names imported on first use: name -> module (relative to this package).
_LAZY = {
    # datasets
    "load_circles": ".data.datasets",
    "load_digits": ".data.datasets",
    "load_breast_cancer": ".data.datasets",
    # is my network right, and can it train? (notes 11-15)
    "gradient_check": ".diagnostics.gradcheck",
    "check_network_gradients": ".diagnostics.gradcheck",
    "GradCheckResult": ".diagnostics.gradcheck",
    "NetworkGradCheck": ".diagnostics.gradcheck",
    "FrozenMasks": ".core.dropout",
    "compare_initializations": ".diagnostics.init_study",
    "InitStudy": ".diagnostics.init_study",
    "InitRun": ".diagnostics.init_study",
    "identical_units": ".diagnostics.init_study",
    "dead_units": ".diagnostics.init_study",
    "signal_propagation": ".diagnostics.signal",
    "signal_study": ".diagnostics.signal",
    "SignalProfile": ".diagnostics.signal",
    "linear_chain": ".diagnostics.signal",
    "check_monotonic": ".diagnostics.monotonic",
    "check_monotonic_dataset": ".diagnostics.monotonic",
    "MonotonicCheck": ".diagnostics.monotonic",
    "first_rise": ".diagnostics.monotonic",
    # generalization (notes 2-10)
    "diagnose": ".diagnostics.bias_variance",
    "Diagnosis": ".diagnostics.bias_variance",
    "train_dev_test_split": ".data.splits",
    "same_distribution": ".data.splits",
    "with_dev": ".data.splits",
    "Standardizer": ".data.scaling",
    "standardize_dataset": ".data.scaling",
    "normalization_effect": ".diagnostics.normalization",
    "basic_recipe": ".experiments.recipe",
    "Settings": ".experiments.recipe",
    "evaluate_run": ".experiments.recipe",
    "EarlyStopping": ".regularization.early_stopping",
    "Augmentation": ".regularization.augmentation",
    "GaussianJitter": ".regularization.augmentation",
    "HorizontalFlip": ".regularization.augmentation",
    "RandomShift": ".regularization.augmentation",
    "RandomRotation": ".regularization.augmentation",
    "train_ensemble": ".regularization.ensemble",
    "snapshot_ensemble": ".regularization.ensemble",
    "average_proba": ".regularization.ensemble",
    # scikit-learn, model files, checkpoints
    "NeuralNetClassifier": ".estimators",
    "NeuralNetRegressor": ".estimators",
    "save": ".estimators.files",
    "load": ".estimators.files",
    "SavedNetwork": ".io.model_file",
    "CheckpointWriter": ".io.checkpoint",
    "Resume": ".io.checkpoint",
    "load_checkpoint": ".io.checkpoint",
    # sweeps and the compiled fast path
    "SweepResult": ".experiments.sweep",
    "SweepCell": ".experiments.sweep",
    "why_not": ".training.fast_path",
    "tune": ".experiments.tune",
    "compare_optimizers": ".diagnostics.optimizer_study",
}

#: Modules reachable as attributes (``practicalnn.fast.disabled()``, ``practicalnn.notebook.model(...)``).
_SUBMODULES = {"fast": ".fast", "notebook": ".notebook"}
#: Old names of modules that moved, still reachable as attributes but not advertised in ``__all__``:
#: ``practicalnn.sweep.sweep(dataset, l2=[...], keep_prob=[...])`` is ``practicalnn.experiments.sweep``.
_MOVED = {"sweep": ".experiments.sweep"}

__all__ = [
    "Callback",
    "ConfigError",
    "DataError",
    "Dataset",
    "History",
    "Initializer",
    "ModelFileError",
    "Network",
    "Penalty",
    "PracticalNNError",
    "TrainConfig",
    "Trainer",
    "TrainingDiverged",
    "load_dataset",
    "load_moons",
    "train",
    "__version__",
    *_LAZY,
    *_SUBMODULES,
]


def __getattr__(name):
    if name in _SUBMODULES or name in _MOVED:
        return import_module({**_SUBMODULES, **_MOVED}[name], __name__)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'practicalnn' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))

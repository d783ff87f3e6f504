"""``practicalnn bench``: the benchmark (``run``) and the plain NumPy baseline it measures against.

Modules: ``baseline`` (the notebook's loop as a learner writes it), ``harness`` (timing, memory, goals),
``alternatives`` (scikit-learn, PyTorch), one module per workload family (``moons``: W1 and W2; ``large``:
W3; ``cold``: the cold start) and ``runner`` (all of them, one thread count for everyone).
"""

from .baseline import baseline_accuracy, baseline_model, baseline_script
from .runner import WORKLOADS, run

__all__ = ["WORKLOADS", "baseline_accuracy", "baseline_model", "baseline_script", "run"]

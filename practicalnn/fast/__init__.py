"""Fast paths: the same math as the reference path (``Network.forward/cost/backward``), compiled.

``Trainer`` hands full-batch training of small float64 networks to a fused Numba kernel
(``kernel.train_chunk``) without being asked; everything else, and every configuration the kernel
does not support, runs on the reference path. ``why_not(trainer)`` says which path a trainer takes
and why; ``disabled()`` forces the reference path (for comparisons and benchmarks), as does the
environment variable ``PRACTICALNN_FAST=0``.
"""

from .dispatch import disabled, enabled, why_not

__all__ = ["disabled", "enabled", "why_not"]

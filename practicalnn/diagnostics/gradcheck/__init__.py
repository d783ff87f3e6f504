"""Gradient checking (notes 13 and 14): ``gradient_check`` compares any analytic gradient with
two-sided differences of its cost; ``check_network_gradients`` does it for a network's backward pass."""

from .arrays import BUG, CORRECT, GradCheckResult, gradient_check, relative_difference, verdict_of
from .network import NetworkGradCheck, check_network_gradients

__all__ = [
    "BUG",
    "CORRECT",
    "GradCheckResult",
    "NetworkGradCheck",
    "check_network_gradients",
    "gradient_check",
    "relative_difference",
    "verdict_of",
]

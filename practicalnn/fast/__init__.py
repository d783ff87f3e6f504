"""Compiled kernels: the same math as the reference path (``Network.forward/cost/backward``), in Numba.

This package holds the kernels and the switch that allows them; it imports nothing above ``core``.
Which kernel serves a given trainer, and why none does, is decided in ``practicalnn.training.fast_path``
(``practicalnn.why_not(trainer)`` says). ``disabled()`` forces the reference path (for comparisons and
benchmarks), as does the environment variable ``PRACTICALNN_FAST=0``.
"""

from __future__ import annotations

import contextlib
import os

_switch = {"on": os.environ.get("PRACTICALNN_FAST", "1") not in ("0", "off", "false", "no")}


def enabled():
    """Whether trainers may use the compiled kernels (the default; ``PRACTICALNN_FAST=0`` turns them off)."""
    return _switch["on"]


def disabled_reason():
    """Why the kernels are off (the environment, ``disabled()``, or a failed compilation)."""
    return _switch.get("error", "the fast path is disabled")


@contextlib.contextmanager
def disabled():
    """Within this block every trainer runs the reference NumPy path."""
    before = _switch["on"]
    _switch["on"] = False
    try:
        yield
    finally:
        _switch["on"] = before


def turn_off(reason):
    """Turn the kernels off for the rest of the process (Numba could not compile them here)."""
    _switch["on"] = False
    _switch["error"] = reason


def kernels():
    """The kernel modules ``(fused, minibatch)``, or None when Numba is missing or broken."""
    try:
        from . import kernel, minibatch
    except ImportError:  # numba missing or broken: the reference path serves
        return None
    return kernel, minibatch


__all__ = ["disabled", "disabled_reason", "enabled", "kernels", "turn_off"]

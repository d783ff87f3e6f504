"""The run settings a command's header line shows: those that differ from train's defaults."""

from __future__ import annotations

from ..training.trainer import TrainConfig

_BETAS = ("beta1", "beta2")


def changed_settings(config, names):
    """``", l2 0.7, optimizer adam"``: the fields ``names`` of ``config`` whose values differ from
    TrainConfig's defaults ("" when none do); the betas only where an optimizer uses them."""
    default = TrainConfig()
    shown = [n for n in names if n not in _BETAS or config.optimizer != "gd"]
    return "".join(f", {n} {getattr(config, n)}" for n in shown if getattr(config, n) != getattr(default, n))

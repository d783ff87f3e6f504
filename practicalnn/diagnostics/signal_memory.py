"""Will the signal study's networks fit in memory? The byte counts and the machine's available memory are
the engine's (core.memory); what is signal's own is the sizes of its networks and an error that names the
arguments (flags) that made them."""

from __future__ import annotations

from ..core import memory
from ..core.memory import forward_bytes, network_bytes, training_bytes
from ..errors import ConfigError


def signal_bytes(depth, width, examples):
    """About how many bytes ``signal_propagation`` needs: its network's parameters and their gradient,
    and one forward and backward pass over ``examples`` columns (``core.memory.training_bytes`` of
    plain gradient descent: no optimizer moments)."""
    return training_bytes([width] * (depth + 1) + [1], examples)


def linear_bytes(depth, width):
    """About how many bytes ``linear_chain`` needs: the weights, one identity matrix, and the forward
    pass of one column."""
    sizes = [width] * (depth + 1)
    return network_bytes(sizes) + 8 * width * width + forward_bytes(sizes, 1)


def check_memory(needed, available=None, **arguments):
    """Refuse a network that would not fit in memory: ``needed`` bytes against ``available`` (default
    what the engine reads, ``core.memory.available_bytes``; the check is skipped where it cannot be read),
    the error naming ``arguments``."""
    available = memory.available_bytes() if available is None else available
    if available is not None and needed > available:
        named = ", ".join(f"{name}={value!r}" for name, value in arguments.items())
        raise ConfigError(
            f"{named}: expected a network that fits in memory: "
            f"it needs about {_size(needed)} and {_size(available)} is available"
        )


def _size(n):
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n / 2**10:.3g} KiB"

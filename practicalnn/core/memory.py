"""How much memory a network or a training run needs, estimated before anything is allocated.

A size that cannot fit (a hidden layer of 10^8 units, 10^11 examples) should be refused with the
estimate and what the machine has, not end in a MemoryError halfway through an allocation. The
estimates count the arrays the engine itself allocates (parameters, gradient, optimizer moments,
the activations of one forward pass and the buffers of the backward pass); NumPy's temporaries
come on top, so a run near the limit may still fail, but one far over it is refused at once.
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import ConfigError

#: The optimizer moments kept per parameter (v for momentum, s for RMSprop, both for Adam).
MOMENTS = {"gd": 0, "momentum": 1, "rmsprop": 1, "adam": 2}


def parameter_count(layer_sizes):
    """Weights and biases of a network with ``layer_sizes``: sum of n_l * (n_{l-1} + 1)."""
    sizes = [int(n) for n in layer_sizes]
    return sum(sizes[i] * (sizes[i - 1] + 1) for i in range(1, len(sizes)))


def network_bytes(layer_sizes, dtype=np.float64):
    """Bytes of a network's flat parameter buffer."""
    return parameter_count(layer_sizes) * np.dtype(dtype).itemsize


def forward_bytes(layer_sizes, examples, dtype=np.float64, *, dropout=False):
    """Bytes of one forward and backward pass over ``examples`` columns: Z and A of every layer
    (the input included), two dA/dZ buffers as wide as the widest layer, and with dropout a mask
    per layer."""
    sizes = [int(n) for n in layer_sizes]
    itemsize = np.dtype(dtype).itemsize
    per_example = 2 * sum(sizes) + 2 * max(sizes) + (sum(sizes) if dropout else 0)
    return per_example * int(examples) * itemsize


def training_bytes(layer_sizes, examples, dtype=np.float64, *, optimizer="gd", dropout=False):
    """Bytes of a training run on batches of ``examples`` columns: the parameters, their gradient,
    the optimizer's moments and one forward and backward pass (``forward_bytes``)."""
    moments = MOMENTS.get(optimizer, 2)
    return (2 + moments) * network_bytes(layer_sizes, dtype) + forward_bytes(
        layer_sizes, examples, dtype, dropout=dropout
    )


def available_bytes():
    """The memory this machine can give now: MemAvailable of /proc/meminfo, else the free
    physical pages (os.sysconf); None when neither can be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def gib(n_bytes):
    """``n_bytes`` in GiB, as the messages print it."""
    return f"{n_bytes / 2**30:.3g} GiB"


def require(what, needed):
    """Raise ConfigError when ``needed`` bytes exceed the memory available; ``what`` names the
    thing that needs them ("a network of layer_sizes [2, 100000000, 1]")."""
    available = available_bytes()
    if available is not None and needed > available:
        raise ConfigError(f"{what} needs about {gib(needed)} of memory; this machine has {gib(available)} available")
    return needed

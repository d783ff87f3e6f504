"""To PyTorch and back: a network as a ``torch.nn.Sequential`` with the same weights, and a Sequential of
the same shape as a practicalnn Network (so a model trained there can be checked with the gradient check,
the signal study and the bias/variance diagnosis here).

The Sequential takes rows as examples, as PyTorch does: ``Linear(n_prev, n)`` holds W[l] (n, n_prev) as
its weight and b[l] as its bias, each followed by the hidden activation module; the output module is
``Sigmoid``, ``Softmax(dim=1)`` or nothing (identity). A standardizer, when the model has one, becomes a
first module that subtracts the training mean and divides by the scale (its buffers are the statistics).
The default dtype is float64, the engine's, so the outputs agree to rounding (1e-12).
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError, argument_error

_HIDDEN = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "leaky_relu": "LeakyReLU"}


def require_torch():
    """The ``torch`` module, or a one-line error saying which extra to install."""
    try:
        import torch
    except ImportError:
        raise ConfigError('PyTorch export needs torch: pip install "practicalnn[torch]"') from None
    return torch


def _standardize_module(torch, standardizer, dtype):
    class Standardize(torch.nn.Module):
        """(x - mean) / scale with the training statistics of practicalnn's Standardizer."""

        def __init__(self):
            super().__init__()
            self.register_buffer("mean", torch.tensor(standardizer.mean_.ravel(), dtype=dtype))
            self.register_buffer("scale", torch.tensor(standardizer.scale_.ravel(), dtype=dtype))

        def forward(self, x):
            return (x - self.mean) / self.scale

    return Standardize()


def to_torch(model, dtype=None):
    """A ``torch.nn.Sequential`` computing ``model``'s output activations (rows are examples).

    ``model`` is a Network or SavedNetwork (its standardizer, if any, becomes the first module).
    ``dtype`` defaults to ``torch.float64``."""
    torch = require_torch()
    dtype = dtype or torch.float64
    network = getattr(model, "network", model)
    if not hasattr(network, "layer_sizes"):
        raise argument_error(
            "model", type(model).__name__, "a Network, a SavedNetwork or a fitted practicalnn estimator"
        )
    modules = []
    standardizer = getattr(model, "standardizer", None)
    if standardizer is not None:
        modules.append(_standardize_module(torch, standardizer, dtype))
    L = network.n_layers
    for layer in range(1, L + 1):
        n, n_prev = network.layer_sizes[layer], network.layer_sizes[layer - 1]
        normalized = layer in network.normalized
        linear = torch.nn.Linear(n_prev, n, bias=not normalized, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(network.W[layer], dtype=dtype))
            if not normalized:
                linear.bias.copy_(torch.tensor(network.b[layer].ravel(), dtype=dtype))
        modules.append(linear)
        if normalized:
            modules.append(_batch_norm_module(torch, network, layer, dtype))
        if layer < L:
            modules.append(_hidden_module(torch, network.hidden))
    if network.output.name == "sigmoid":
        modules.append(torch.nn.Sigmoid())
    elif network.output.name == "softmax":
        modules.append(torch.nn.Softmax(dim=1))
    return torch.nn.Sequential(*modules).eval()  # eval: batch normalization uses its running averages


def _batch_norm_module(torch, network, layer, dtype):
    """Batch normalization's inference form: BatchNorm1d with the running averages, gamma and beta; torch's
    momentum is the weight of the new batch, 1 - decay."""
    module = torch.nn.BatchNorm1d(
        network.layer_sizes[layer], eps=network.bn_epsilon, momentum=1 - network.bn_decay, dtype=dtype
    )
    with torch.no_grad():
        module.weight.copy_(torch.tensor(network.gamma[layer].ravel(), dtype=dtype))
        module.bias.copy_(torch.tensor(network.beta[layer].ravel(), dtype=dtype))
        module.running_mean.copy_(torch.tensor(network.running.mean[layer].ravel(), dtype=dtype))
        module.running_var.copy_(torch.tensor(network.running.var[layer].ravel(), dtype=dtype))
    return module


def _hidden_module(torch, hidden):
    if hidden.name not in _HIDDEN:
        raise argument_error("model", f"hidden activation {hidden.name}", f"one of {', '.join(_HIDDEN)}")
    if hidden.name == "leaky_relu":
        return torch.nn.LeakyReLU(float(hidden.slope))
    return getattr(torch.nn, _HIDDEN[hidden.name])()


def from_torch(sequential, dtype=np.float64):
    """The practicalnn Network of a ``torch.nn.Sequential`` of Linear layers with one hidden activation
    between them (ReLU, LeakyReLU, Tanh or Sigmoid, the same after every hidden layer) and an optional
    final Sigmoid or Softmax(dim=1); no output module means an identity output (squared error)."""
    torch = require_torch()
    from ..core.network import Network

    layers = list(sequential.children()) if isinstance(sequential, torch.nn.Sequential) else None
    if not layers:
        raise argument_error("sequential", type(sequential).__name__, "a non-empty torch.nn.Sequential")
    output = "identity"
    if isinstance(layers[-1], torch.nn.Sigmoid):
        output, layers = "sigmoid", layers[:-1]
    elif isinstance(layers[-1], torch.nn.Softmax):
        if layers[-1].dim not in (1, -1):
            raise argument_error("sequential", repr(layers[-1]), "Softmax over dim=1 (the classes)")
        output, layers = "softmax", layers[:-1]
    linears, activations = layers[0::2], layers[1::2]
    if not all(isinstance(m, torch.nn.Linear) for m in linears) or len(linears) != len(activations) + 1:
        raise argument_error(
            "sequential", repr(sequential), "Linear layers with one activation module between each two"
        )
    names = {_activation_name(torch, m) for m in activations}
    if len(names) > 1:
        raise argument_error("sequential", sorted(names), "the same hidden activation after every hidden layer")
    name = names.pop() if names else "relu"
    activation = name
    if name == "leaky_relu":
        from ..core.activations import LeakyReLU

        activation = LeakyReLU(float(activations[0].negative_slope))
    sizes = [linears[0].in_features] + [m.out_features for m in linears]
    net = Network(sizes, activation=activation, output=output, dtype=dtype)
    for layer, linear in enumerate(linears, start=1):
        if linear.bias is None:
            raise argument_error("sequential", repr(linear), "Linear layers with a bias")
        net.W[layer][...] = linear.weight.detach().cpu().double().numpy()
        net.b[layer][...] = linear.bias.detach().cpu().double().numpy().reshape(-1, 1)
    return net


def _activation_name(torch, module):
    for name, cls in _HIDDEN.items():
        if isinstance(module, getattr(torch.nn, cls)):
            return name
    raise argument_error("sequential", repr(module), f"a hidden activation among {', '.join(_HIDDEN.values())}")

"""The other libraries the workloads are timed against: scikit-learn's MLPClassifier and, when installed,
PyTorch eager on the CPU, each set to the same work as practicalnn."""

from __future__ import annotations

import warnings

import numpy as np


def torch_or_none():
    try:
        import torch
    except ImportError:
        return None
    return torch


def sklearn_mlp(hidden, iterations, batch_size, learning_rate, shuffle):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(
        hidden_layer_sizes=hidden,
        activation="relu",
        solver="sgd",
        alpha=0.0,
        batch_size=batch_size,
        learning_rate="constant",
        learning_rate_init=learning_rate,
        max_iter=iterations,
        shuffle=shuffle,
        momentum=0.0,
        nesterovs_momentum=False,
        early_stopping=False,
        tol=0.0,
        n_iter_no_change=iterations + 1,
        random_state=0,
    )


def sklearn_fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: max_iter is the point here
        return model.fit(X, y)


def torch_w1(torch, d, iterations, initial):
    X = torch.from_numpy(np.ascontiguousarray(d.train_X.T))
    y = torch.from_numpy(np.ascontiguousarray(d.train_Y.T, dtype=np.float64))
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 20), torch.nn.ReLU(), torch.nn.Linear(20, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1)
    ).double()
    with torch.no_grad():
        for layer, lin in zip((1, 2, 3), (model[0], model[2], model[4])):
            lin.weight.copy_(torch.from_numpy(initial[f"W{layer}"]))
            lin.bias.copy_(torch.from_numpy(initial[f"b{layer}"].ravel()))
    opt = torch.optim.SGD(model.parameters(), lr=0.3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    for _ in range(iterations):
        opt.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        opt.step()
    with torch.no_grad():
        train = ((model(X) > 0).double() == y).double().mean().item()
    return loss.item(), train


def torch_w3(torch, X, y, batch=256):
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()
    order = torch.randperm(Xt.shape[0], generator=torch.Generator().manual_seed(0))
    for start in range(0, Xt.shape[0], batch):
        idx = order[start : start + batch]
        opt.zero_grad()
        loss = loss_fn(model(Xt[idx]), yt[idx])
        loss.backward()
        opt.step()
    return loss.item()

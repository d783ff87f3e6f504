"""What the page's buttons ask of a run: the checks, and the run written out (a ``practicalnn train``
command line, a Python snippet, a model file, the data as CSV). Each ``*_job`` runs in the run's
worker (``Run.call``) with the run's ``LiveRun``."""

from __future__ import annotations

import csv
import io
import os
import tempfile

from ..diagnostics.gradcheck import check_network_gradients
from ..diagnostics.monotonic import check_monotonic
from ..io.model_file import save
from .settings import train_config

#: The gradient check uses at most this many training examples (it costs two passes per parameter).
GRADCHECK_EXAMPLES = 64
#: The monotonic check trains a copy of the current network this many iterations, dropout off.
MONOTONIC_ITERATIONS = 2000


def gradcheck_job(live):
    s, d = live.settings, live.data
    result = check_network_gradients(
        live.network,
        d.train_X[:, :GRADCHECK_EXAMPLES],
        live.targets["train"][:, :GRADCHECK_EXAMPLES],
        l2=s["l2"],
        l1=s["l1"],
    )
    arrays = sorted(result.arrays.items(), key=lambda kv: -kv[1]["share"])[:3]
    worst = ", ".join(f"{name} {a['difference']:.3g} ({a['share']:.0%} of the error)" for name, a in arrays)
    return {
        "type": "check",
        "check": "gradient",
        "verdict": result.verdict,
        "difference": result.difference,
        "text": f"Gradient check at iteration {live.iteration} (dropout off, penalties on, "
        f"{min(GRADCHECK_EXAMPLES, d.train_X.shape[1])} examples): difference {result.difference:.3g}: "
        f"{result.verdict}\nworst arrays: {worst}",
    }


def monotonic_job(live):
    config = train_config(live.settings, MONOTONIC_ITERATIONS, record_every=1)
    rng = live.settings["seed"]
    result = check_monotonic(live.network, live.data.train_X, live.data.train_Y, config, rng=rng)
    lines = [f"From iteration {live.iteration}, the next {MONOTONIC_ITERATIONS} iterations:", *result.describe()]
    return {"type": "check", "check": "monotonic", "verdict": bool(result.monotonic), "text": "\n".join(lines)}


def _flag_value(value):
    if isinstance(value, list):
        return ",".join(f"{v:g}" for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def label_name(data):
    """The label column's name in the data CSV: "label", unless a feature has that name."""
    return "label" if "label" not in data.feature_names else "label_"


def command_line(settings, iterations, data):
    """The ``practicalnn train`` command of these settings, and notes on what it cannot replay."""
    s, notes = settings, []
    if s["dataset"] == "notebook_moons" and not s["added"]:
        args = ["--dataset", "moons"]
    else:
        args = ["--dataset", "playground-data.csv", "--target", label_name(data), "--output", s["output"]]
        notes.append("download the data (Data CSV); the command splits it into train and test itself")
    hidden = ",".join(str(n) for n in s["hidden"]) or '""'
    args += ["--hidden", hidden, "--activation", s["activation"], "--init", s["init"]]
    args += ["--rng", "notebook"] if s["seed"] == "notebook" else ["--seed", str(s["seed"])]
    args += ["--learning-rate", _flag_value(s["learning_rate"]), "--iterations", str(iterations)]
    args += ["--optimizer", s["optimizer"]]
    if s["batch_size"] is not None:
        args += ["--batch-size", str(s["batch_size"])]
    for name in ("l2", "l1", "keep_prob", "input_keep_prob"):
        default = 0.0 if name in ("l2", "l1") else 1.0
        if s[name] != default:
            args += ["--" + name.replace("_", "-"), _flag_value(s[name])]
    if s["bayes_error"]:
        args += ["--bayes-error", _flag_value(s["bayes_error"])]
    if s["early_stopping"]:
        args += ["--early-stopping", "--patience", str(s["patience"]), "--check-every", "100"]
        notes.append("the command's early stopping holds out its own dev set from the training set")
    return "practicalnn train " + " ".join(args), notes


def python_snippet(settings, iterations, data):
    """The same run as a short script on the library's public API."""
    s, n_x = settings, data.n_features
    if s["dataset"] == "notebook_moons" and not s["added"]:
        load = "data = pnn.load_moons()\nX, Y, X_dev, Y_dev = data.train_X, data.train_Y, data.test_X, data.test_Y"
    else:
        n_train, n_dev = data.train_X.shape[1], data.dev_X.shape[1]
        load = (
            'table = np.loadtxt("playground-data.csv", delimiter=",", skiprows=1)\n'
            f"train, dev = table[:{n_train}], table[{n_train}:{n_train + n_dev}]  # then the test rows\n"
            f"X, Y, X_dev, Y_dev = train[:, :{n_x}].T, train[:, {n_x}:].T, dev[:, :{n_x}].T, dev[:, {n_x}:].T"
        )
    config = ", ".join(
        f"{name}={s[name]!r}"
        for name in ("learning_rate", "optimizer", "batch_size", "l2", "l1", "keep_prob", "input_keep_prob")
    )
    sizes = ", ".join(str(n) for n in live_sizes(s, data))
    return (
        "import numpy as np\nimport practicalnn as pnn\n\n"
        f"{load}\n"
        f"net = pnn.Network([{sizes}], activation={s['activation']!r}, output={s['output']!r})\n"
        f"config = pnn.TrainConfig({config}, iterations={iterations})\n"
        f"history = pnn.train(net, X, Y, config, rng={s['seed']!r}, init={s['init']!r})\n"
        'print("train accuracy", net.accuracy(X, Y), "dev accuracy", net.accuracy(X_dev, Y_dev))\n'
    )


def live_sizes(settings, data):
    """The network's layer sizes for ``settings`` on ``data``."""
    return [data.n_features, *settings["hidden"], 1 if settings["output"] == "sigmoid" else data.n_classes]


def export_job(live):
    iterations = live.iteration or live.settings["stop_iterations"]
    command, notes = command_line(live.settings, iterations, live.data)
    return {
        "type": "export",
        "command": command,
        "python": python_snippet(live.settings, iterations, live.data),
        "notes": notes,
        "iteration": live.iteration,
    }


def model_job(live):
    """The trained network as a model file (``practicalnn.save``), as bytes."""
    d = live.data
    classes = [float(c) for c in d.class_names] if d.standardizer is not None else None  # a CSV's own labels
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.safetensors")
        info = {"source": "practicalnn playground", "iteration": live.iteration, "settings": live.settings}
        names = list(d.feature_names)
        save(live.network, path, standardizer=d.standardizer, classes=classes, feature_names=names, info=info)
        with open(path, "rb") as f:
            return f.read()


def data_job(live):
    """The data as CSV, as the network sees it (a CSV's features standardized): the features, then
    the class index; the training rows first (the clicked points last among them), then dev, then test."""
    d = live.data
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*d.feature_names, label_name(d)])
    for _, X, Y in d.sets():
        for column, label in zip(X.T, Y[0]):
            writer.writerow([*(f"{v:.17g}" for v in column), int(label)])
    return out.getvalue()

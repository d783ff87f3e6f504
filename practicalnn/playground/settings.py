"""What a playground run is made of, as one flat dict of JSON values (the page's controls, the URL's
hash), and the one place those values are checked before they reach the engine.

Every value is checked with the library's own validation: the training fields by building a
``TrainConfig`` (its ``ConfigError`` message goes back to the page), the rest with
``validation.check``. Settings fall in three groups, by what a change does to a run under way:

* ``NETWORK_KEYS``: a new network (drawn afresh from the run's seed), back to iteration 0;
* ``DATA_KEYS``: new data from the next step on, the network's parameters kept;
* ``VIEW_KEYS``: only what the page shows (the Bayes error of the diagnosis);
* the others: the next step trains with them, parameters kept, and the optimizer's state kept
  unless the optimizer itself changed.

A change of data that no longer fits the network (another number of features or classes) draws a
new network too (``LiveRun.apply``).
"""

from __future__ import annotations

from ..core.initializers import SCHEMES
from ..errors import ConfigError
from ..training.config import TrainConfig
from ..validation import Integral, Interval, Options, Real, check
from .datasets import shape_of
from .table import MAX_CLASSES

DATASETS = ("notebook_moons", "moons", "circles", "xor", "spirals", "blobs", "csv")
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid")
OUTPUTS = ("sigmoid", "softmax")
#: The most points a learner may click onto the plot (they live in the URL).
MAX_ADDED = 500
#: The most multiply-adds one training step, or one frame, may take: about 0.3 s here at the 0.1 ns a
#: multiply-add of large layers (measured: docs/playground.md, "How large a network"). Beyond it the
#: page stops following its controls, so a larger network on that data is refused, and the reason said.
MAX_WORK = 3e9

DEFAULTS = {
    "dataset": "notebook_moons",
    "noise": 0.2,
    "dev_fraction": 0.33,
    "test_fraction": 0.0,
    "n_samples": 200,
    "classes": 2,
    "data_seed": 0,
    "csv_columns": None,
    "added": [],
    "hidden": [20, 3],
    "activation": "relu",
    "output": "sigmoid",
    "init": "notebook",
    "seed": "notebook",
    "learning_rate": 0.3,
    "optimizer": "gd",
    "batch_size": None,
    "l2": 0.0,
    "l1": 0.0,
    "keep_prob": 1.0,
    "input_keep_prob": 1.0,
    "early_stopping": False,
    "patience": 10,
    "stop_iterations": 30000,
    "target_dev_error": None,
    "bayes_error": None,
}
NETWORK_KEYS = ("hidden", "activation", "output", "init", "seed")
DATA_KEYS = (
    "dataset",
    "noise",
    "dev_fraction",
    "test_fraction",
    "n_samples",
    "classes",
    "data_seed",
    "csv_columns",
    "added",
)
VIEW_KEYS = ("bayes_error",)
#: Changes the curves do not mark: what only the page shows, and when to stop (nothing about a step).
UNMARKED = (*VIEW_KEYS, "stop_iterations", "target_dev_error")
TRAIN_KEYS = ("learning_rate", "optimizer", "batch_size", "l2", "l1", "keep_prob", "input_keep_prob")

#: The notebook's three experiments (reproduce.py's EXPERIMENTS): layers [2, 20, 3, 1], learning
#: rate 0.3, its random streams and initialization, 30000 iterations.
_NOTEBOOK = {**DEFAULTS}
PRESETS = {
    "no_regularization": {**_NOTEBOOK},
    "l2": {**_NOTEBOOK, "l2": 0.7},
    "dropout": {**_NOTEBOOK, "keep_prob": 0.86},
}

_UNITS = Interval(Integral, 1, None)
_COUNT = Interval(Integral, 1, None)


def _hidden(value):
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"hidden={value!r}: expected a list of layer sizes, like [20, 3]")
    return [check("hidden units", n, _UNITS) for n in value]


def _columns(value):
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        raise ConfigError(f"csv_columns={value!r}: expected [feature on x, feature on y, label] column indices")
    return [check("csv column", c, Interval(Integral, 0, None)) for c in value]


def _added(value):
    if not isinstance(value, (list, tuple)) or len(value) > MAX_ADDED:
        raise ConfigError(f"added: expected a list of at most {MAX_ADDED} points [x1, x2, class]")
    out = []
    for point in value:
        if not isinstance(point, (list, tuple)) or len(point) != 3:
            raise ConfigError(f"added point={point!r}: expected [x1, x2, class]")
        x1, x2 = (check("added point's coordinate", c, Interval(Real, -1e6, 1e6)) for c in point[:2])
        out.append([x1, x2, check("added point's class", point[2], Interval(Integral, 0, MAX_CLASSES - 1))])
    return out


def _seed(value):
    if value == "notebook":
        return value
    return check("seed", value, Options(["notebook"]), Interval(Integral, 0, 2**32 - 1))


_CHECKS = {
    "dataset": lambda v: check("dataset", v, Options(DATASETS)),
    "noise": lambda v: check("noise", v, Interval(Real, 0, 1)),
    "dev_fraction": lambda v: check("dev_fraction", v, Interval(Real, 0.05, 0.9)),
    "test_fraction": lambda v: check("test_fraction", v, Interval(Real, 0, 0.5)),
    "n_samples": lambda v: check("n_samples", v, Interval(Integral, 20, 5000)),
    "classes": lambda v: check("classes", v, Interval(Integral, 2, MAX_CLASSES)),
    "data_seed": lambda v: check("data_seed", v, Interval(Integral, 0, 2**32 - 1)),
    "csv_columns": _columns,
    "added": _added,
    "hidden": _hidden,
    "activation": lambda v: check("activation", v, Options(ACTIVATIONS)),
    "output": lambda v: check("output", v, Options(OUTPUTS)),
    "init": lambda v: check("init", v, Options(SCHEMES)),
    "seed": _seed,
    "early_stopping": lambda v: check("early_stopping", v, Options([True, False])),
    "patience": lambda v: check("patience", v, _COUNT),
    "stop_iterations": lambda v: check("stop_iterations", v, Interval(Integral, 1, 10_000_000)),
    "target_dev_error": lambda v: check("target_dev_error", v, None, Interval(Real, 0, 1)),
    "bayes_error": lambda v: check("bayes_error", v, None, Interval(Real, 0, 1, closed="left")),
}


def validate(settings, base=None):
    """The complete, checked settings: ``base`` (default ``DEFAULTS``) updated with ``settings``.

    Raises ConfigError naming the first bad value, as the engine words it; unknown names are refused."""
    if not isinstance(settings, dict):
        raise ConfigError(f"settings={settings!r}: expected a JSON object of name: value")
    unknown = sorted(set(settings) - set(DEFAULTS))
    if unknown:
        raise ConfigError(f"{unknown[0]}={settings[unknown[0]]!r}: expected one of the settings {', '.join(DEFAULTS)}")
    out = {**(base or DEFAULTS), **settings}
    if base is not None and out["dataset"] != base["dataset"]:
        for name in ("added", "csv_columns"):  # clicked points and chosen columns belong to their data
            out[name] = settings.get(name, DEFAULTS[name])
    for name, checker in _CHECKS.items():
        out[name] = checker(out[name])
    if out["dev_fraction"] + out["test_fraction"] > 0.9 + 1e-12:
        raise ConfigError(
            f"test_fraction={out['test_fraction']!r}: expected dev_fraction + test_fraction <= 0.9 "
            f"(dev_fraction is {out['dev_fraction']!r}; the training set needs the rest)"
        )
    if isinstance(out["keep_prob"], list) and len(out["keep_prob"]) != len(out["hidden"]):
        raise ConfigError(
            f"keep_prob={out['keep_prob']!r}: expected one value or one per hidden layer ({len(out['hidden'])})"
        )
    if out["keep_prob"] != 1.0 and not out["hidden"]:
        raise ConfigError(f"keep_prob={out['keep_prob']!r}: expected 1 for a network without hidden layers")
    config = train_config(out, iterations=1)  # TrainConfig checks the training fields
    for name in TRAIN_KEYS:
        out[name] = getattr(config, name)
    return out


def check_with_data(settings, upload=None):
    """Refuse what the data makes impossible (ConfigError or DataError): CSV columns the file does
    not have, a sigmoid output for more than two classes, an added point of a class the data lacks."""
    if settings["dataset"] == "csv" and upload is not None:
        upload.choose(settings["csv_columns"])
    features, k, m_train, m_all = shape_of(settings, upload)
    _check_work(settings, features, k, m_train, m_all)
    if k > 2 and settings["output"] == "sigmoid":
        raise ConfigError(
            f"output='sigmoid': expected softmax for data of {k} classes (sigmoid with cross-entropy is for two)"
        )
    for point in settings["added"]:
        if point[2] >= k:
            raise ConfigError(f"added point={point!r}: expected a class from 0 to {k - 1} (the data has {k})")


def _check_work(s, features, classes, m_train, m_all):
    """Refuse a network whose one step, or one frame (the heat map's 10,000 points, the numbers on
    every example, the layer statistics), would take more than MAX_WORK multiply-adds."""
    sizes = [features, *s["hidden"], 1 if s["output"] == "sigmoid" else classes]
    macs = sum(a * b for a, b in zip(sizes, sizes[1:]))
    step = 3 * min(s["batch_size"] or m_train, m_train) * macs  # forward, and backward's two products
    frame = (100 * 100 + m_all + 2 * m_train) * macs
    work = max(step, frame)
    if work > MAX_WORK:
        raise ConfigError(
            f"hidden={s['hidden']!r}: {macs:,} multiply-adds per example; one {'step' if step > frame else 'frame'} "
            f"on these {m_train} training examples would take about {work * 1e-10:.1g} s or more, and the page "
            f"would stop following its controls: expected at most {MAX_WORK:.0e} multiply-adds (fewer or "
            "smaller layers, fewer examples, or a batch size)"
        )


def train_config(settings, iterations, record_every=100):
    """The TrainConfig of ``settings`` for a run up to ``iterations`` updates."""
    return TrainConfig(
        **{name: settings[name] for name in TRAIN_KEYS}, iterations=iterations, record_every=record_every
    )


def changed_groups(old, new):
    """Which groups of settings differ: a subset of {"network", "data", "train", "view", "run"}."""
    return {_group(name) for name in DEFAULTS if old.get(name) != new.get(name)}


def _group(name):
    for group, keys in (("network", NETWORK_KEYS), ("data", DATA_KEYS), ("train", TRAIN_KEYS), ("view", VIEW_KEYS)):
        if name in keys:
            return group
    return "run"


def describe_change(old, new):
    """A short label for the curves: ``l2 0 -> 0.7, keep_prob 1 -> 0.86`` (what only the page shows
    is left out)."""
    changed = [k for k in DEFAULTS if old.get(k) != new.get(k) and k not in UNMARKED]
    return ", ".join(
        f"points added {len(old[k])} \u2192 {len(new[k])}"
        if k == "added"
        else f"{k} {_short(old[k])} \u2192 {_short(new[k])}"
        for k in changed
    )


def _short(value):
    if isinstance(value, list):
        return ",".join(_short(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)

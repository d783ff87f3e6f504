"""The search space of a study: which knob takes which values, read from flags or a TOML/JSON file.

A knob is fixed (one value), a choice among values, or a range: ``uniform`` and ``log`` (log-uniform,
as the notes advise for a learning rate between 1e-4 and 1) for real numbers, ``int`` and ``logint``
for integers. On the command line::

    learning_rate=log:1e-4:1   l2=0:1 (uniform)   hidden=choice:20,3|40,10   iterations=5000
    batch_norm=choice:true|false

Choices are separated by ``|`` (and, for a knob whose value is not a list, by commas too). In a file,
each key is a knob and its value a flag string (``"log:1e-4:1"``), a number or string (fixed), a list
(a choice; for ``hidden`` and ``keep_prob`` a list of numbers is one fixed value and a list of lists a
choice) or a table with one of the keys ``uniform``, ``log``, ``int``, ``logint`` (two bounds) or
``choice``. Every value is checked here, against what the engine accepts, before any study is touched.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from ...core.activations import hidden_activation
from ...core.initializers import initializer
from ...errors import ConfigError, PracticalNNError, argument_error
from ...training.config import TrainConfig
from ...training.run import hidden_sizes

#: Knobs of the training configuration (TrainConfig fields) and their kind of value.
TRAIN_KNOBS = {
    "learning_rate": float,
    "iterations": int,
    "l2": float,
    "l1": float,
    "keep_prob": float,  # or a list, one per hidden layer
    "input_keep_prob": float,
    "optimizer": str,
    "beta1": float,
    "beta2": float,
    "epsilon": float,
    "batch_size": int,
    "decay_rate": float,
    "record_every": int,
}
#: Knobs of the model, early stopping and the random streams.
OTHER_KNOBS = {
    "hidden": list,
    "activation": str,
    "init": str,
    "batch_norm": bool,  # every hidden layer batch-normalized (``Network(..., batch_norm=True)``)
    "patience": int,
    "check_every": int,
    "seed": int,
}
#: How a flag writes a ``batch_norm`` value.
BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
KNOBS = {**TRAIN_KNOBS, **OTHER_KNOBS}
LIST_KNOBS = ("hidden", "keep_prob")
RANGES = ("uniform", "log", "int", "logint")


@dataclass(frozen=True)
class Knob:
    """One dimension of the space: ``kind`` is fixed, choice or one of RANGES; ``values`` holds the
    fixed value (one), the choices, or the two bounds."""

    name: str
    kind: str
    values: tuple

    def to_dict(self):
        return {"kind": self.kind, "values": list(self.values)}

    def distribution(self):
        """The Optuna distribution of a searched knob (None for a fixed one)."""
        from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

        if self.kind == "fixed":
            return None
        if self.kind == "choice":
            return CategoricalDistribution(self.values)
        low, high = self.values
        if self.kind in ("int", "logint"):
            return IntDistribution(int(low), int(high), log=self.kind == "logint")
        return FloatDistribution(float(low), float(high), log=self.kind == "log")

    def grid(self):
        """The values a grid search tries, or None when the knob is a real range (no grid)."""
        if self.kind == "fixed":
            return None
        if self.kind == "choice":
            return list(self.values)
        if self.kind in ("int", "logint"):
            return list(range(int(self.values[0]), int(self.values[1]) + 1))
        return None


def engine_value(name, value):
    """A knob's value as the engine takes it: "20,3" becomes [20, 3] for hidden, "0.9,0.8" a list
    for keep_prob; the rest is unchanged."""
    if name == "hidden":
        return hidden_sizes(value)
    if name == "keep_prob" and isinstance(value, str):
        parts = [float(p) for p in value.split(",") if p.strip()]
        return parts[0] if len(parts) == 1 else parts
    return value


def check_value(name, value):
    """Raise the engine's error if ``value`` is not a value the knob ``name`` accepts."""
    value = engine_value(name, value)
    if name in TRAIN_KNOBS:
        TrainConfig(**{name: value})
    elif name == "activation":
        hidden_activation(value)
    elif name == "init":
        initializer(value)
    elif name in ("patience", "check_every"):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise argument_error(name, value, "an integer >= 1")
    elif name == "batch_norm" and not isinstance(value, bool):
        raise argument_error(name, value, "true or false")
    elif name == "seed" and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise argument_error(name, value, "a non-negative integer")


def _number(text, kind):
    try:
        return int(text) if kind is int else float(text)
    except ValueError:
        raise ConfigError(f"{text!r} is not {'an integer' if kind is int else 'a number'}") from None


def _scalar(name, text):
    """A fixed or choice value from flag text, typed as the knob wants it."""
    kind = KNOBS[name]
    text = text.strip()
    if name in LIST_KNOBS:
        return text  # kept as text ("20,3"): Optuna's choices must be plain values
    if name == "batch_size" and text.lower() in ("none", "full"):
        return None
    if kind is bool:
        if text.lower() not in BOOLEANS:
            raise ConfigError(f"{text!r} is not true or false")
        return BOOLEANS[text.lower()]
    if kind is str:
        return text
    if kind is int:
        return _number(text, int)
    return _number(text, float)


def _encode(name, value):
    """A value from a file, as a flag-text value would have been typed."""
    if name in LIST_KNOBS and isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if name in LIST_KNOBS and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def _knob(name, kind, values, argument):
    """Build and check a Knob; errors name ``argument`` (``--param lr`` or ``--space FILE: lr``)."""
    spec = f"{kind}:{':'.join(str(v) for v in values)}" if kind != "fixed" else str(values[0])
    if kind in RANGES:
        low, high = values
        if kind in ("int", "logint"):
            if any(isinstance(v, bool) or not float(v).is_integer() for v in values):
                raise argument_error(argument, spec, "integer bounds for an integer range")
            low, high = int(low), int(high)
        if not (math.isfinite(low) and math.isfinite(high)):
            raise argument_error(argument, spec, "finite bounds")
        if not low < high:
            raise argument_error(
                argument, spec, "a range whose low bound is below its high bound (not empty or inverted)"
            )
        if kind in ("log", "logint") and low <= 0:
            raise argument_error(argument, spec, "a log range with both bounds > 0 (a log scale never reaches 0)")
        values = (low, high)
    elif kind == "choice":
        if not values:
            raise argument_error(argument, spec, "at least one choice")
        if len(set(values)) != len(values):
            raise argument_error(argument, spec, "distinct choices")
    for v in values:
        try:
            check_value(name, v)
        except PracticalNNError as err:
            raise argument_error(argument, spec, f"values {name} accepts ({err})") from None
    return Knob(name, kind, tuple(values))


def parse_flag(text):
    """A Knob from one ``--param NAME=SPEC`` flag."""
    name, sep, spec = str(text).partition("=")
    name = name.strip().replace("-", "_")
    argument = f"--param {name or text}"
    if not sep or not name or not spec.strip():
        raise argument_error("--param", text, "NAME=SPEC, like learning_rate=log:1e-4:1 or hidden=choice:20,3|40,10")
    if name not in KNOBS:
        raise argument_error("--param", text, f"a knob among {', '.join(KNOBS)}")
    kind, colon, rest = spec.partition(":")
    try:
        if colon and kind in RANGES:
            bounds = rest.split(":")
            if len(bounds) != 2:
                raise ConfigError(f"{kind} takes two bounds, LOW:HIGH")
            if KNOBS[name] not in (int, float) and name != "keep_prob":
                raise ConfigError(f"{name} takes choices, not a range")
            return _knob(name, kind, tuple(_number(b, float) for b in bounds), argument)
        if colon and kind == "choice":
            sep_ = "|" if "|" in rest or name in LIST_KNOBS else ","
            return _knob(name, "choice", tuple(_scalar(name, v) for v in rest.split(sep_) if v.strip()), argument)
        parts = spec.split(":")
        if len(parts) == 2 and all(parts) and KNOBS[name] in (int, float):  # LOW:HIGH, a uniform range
            kind = "int" if KNOBS[name] is int else "uniform"
            return _knob(name, kind, tuple(_number(p, float) for p in parts), argument)
        return _knob(name, "fixed", (_scalar(name, spec),), argument)
    except ConfigError as err:
        if str(err).startswith(argument):
            raise
        raise argument_error(argument, spec, f"a knob spec: {err}") from None


def _from_file_value(name, value, argument):
    if isinstance(value, str):
        return parse_flag(f"{name}={value}")
    if isinstance(value, dict):
        if len(value) != 1 or next(iter(value)) not in (*RANGES, "choice"):
            raise argument_error(argument, value, "a table with one key among uniform, log, int, logint, choice")
        kind, values = next(iter(value.items()))
        if not isinstance(values, list):
            raise argument_error(argument, value, f"a list after {kind}")
        if kind in RANGES and len(values) != 2:
            raise argument_error(argument, value, f"two bounds after {kind}")
        if kind in RANGES and KNOBS[name] not in (int, float) and name != "keep_prob":
            raise argument_error(argument, value, f"choices ({name} takes no range)")
        return _knob(name, kind, tuple(_encode(name, v) for v in values), argument)
    nested = isinstance(value, list) and any(isinstance(v, list) for v in value)
    if isinstance(value, list) and (name not in LIST_KNOBS or nested):
        return _knob(name, "choice", tuple(_encode(name, v) for v in value), argument)
    return _knob(name, "fixed", (_encode(name, value),), argument)


def read_space_file(path):
    """Knobs from a TOML (``.toml``) or JSON file; the knobs may sit under a ``[space]`` table."""
    p = Path(path)
    try:
        text = p.read_bytes()
    except OSError as err:
        raise argument_error("--space", str(path), f"a readable file ({err.strerror or err})") from None
    try:
        if p.suffix.lower() == ".toml":
            try:
                import tomllib
            except ImportError:  # Python 3.10
                try:
                    import tomli as tomllib
                except ImportError:
                    raise argument_error(
                        "--space", str(path), "a JSON file (TOML needs Python 3.11 or tomli)"
                    ) from None
            document = tomllib.loads(text.decode("utf-8"))
        else:
            document = json.loads(text)
    except (ValueError, UnicodeDecodeError) as err:
        raise argument_error(
            "--space", str(path), f"valid {'TOML' if p.suffix.lower() == '.toml' else 'JSON'} ({err})"
        ) from None
    return knobs_from_document(document, f"--space {path}")


def knobs_from_document(document, source="space"):
    """Knobs from a parsed file (a dict of knob -> value, perhaps under a ``space`` key)."""
    if isinstance(document, dict) and isinstance(document.get("space"), dict):
        document = document["space"]
    if not isinstance(document, dict):
        raise argument_error(source, document, 'a table of knobs, like learning_rate = "log:1e-4:1"')
    knobs = []
    for name, value in document.items():
        if name not in KNOBS:
            raise argument_error(f"{source}: {name}", value, f"a knob among {', '.join(KNOBS)}")
        knobs.append(_from_file_value(name, value, f"{source}: {name}"))
    return knobs


class SearchSpace:
    """The knobs of a study, by name; later knobs replace earlier ones of the same name."""

    def __init__(self, knobs=()):
        self.knobs = {}
        for knob in knobs:
            self.knobs[knob.name] = knob

    @classmethod
    def from_dict(cls, d):
        return cls(Knob(name, k["kind"], tuple(k["values"])) for name, k in d.items())

    def to_dict(self):
        return {name: k.to_dict() for name, k in sorted(self.knobs.items())}

    def searched(self):
        return {name: k for name, k in self.knobs.items() if k.kind != "fixed"}

    def fixed(self):
        return {name: k.values[0] for name, k in self.knobs.items() if k.kind == "fixed"}

    def distributions(self):
        return {name: k.distribution() for name, k in sorted(self.searched().items())}

    def grid(self):
        """The grid of a grid search: {name: values}; an error names a knob with a real range."""
        grid = {}
        for name, knob in sorted(self.searched().items()):
            values = knob.grid()
            if values is None:
                raise argument_error(
                    f"--param {name}",
                    f"{knob.kind}:{knob.values[0]}:{knob.values[1]}",
                    "choices or an integer range for the grid sampler (a real range has no grid; use random or tpe)",
                )
            grid[name] = values
        return grid

    def grid_size(self):
        return math.prod(len(v) for v in self.grid().values())

    def __bool__(self):
        return bool(self.knobs)


def space_from(params=(), path=None):
    """The SearchSpace of ``--space FILE`` then ``--param`` flags (a flag overrides the file)."""
    knobs = read_space_file(path) if path is not None else []
    knobs += [parse_flag(p) for p in params]
    return SearchSpace(knobs)

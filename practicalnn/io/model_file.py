"""Model files: safetensors for the arrays, a JSON header for everything else. Never pickle.

A file is a plain safetensors file (https://github.com/huggingface/safetensors)::

    8 bytes   N, little-endian unsigned 64-bit: the length of the JSON header
    N bytes   JSON: each tensor's dtype, shape and byte offsets, and "__metadata__"
    the rest  the tensors' bytes, back to back

practicalnn fills ``__metadata__`` (strings only, as safetensors requires) with:

    format          "practicalnn"
    format_version  "1"
    kind            "network", "NeuralNetClassifier", "NeuralNetRegressor" or "checkpoint"
    header          JSON: architecture, hyperparameters, normalization statistics, classes, version
    sha256          digest of the header and of every tensor (name, dtype, shape, bytes)

Loading reads bytes and JSON only, so it executes no code; it checks the layout before handing
the bytes to safetensors, then every name, shape, dtype, the format version and the digest. Writes
go to a temporary file in the same directory, are fsynced, then renamed over the target: a crash
in the middle of a save leaves the file that was there untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ModelFileError, PracticalNNError, bad

FORMAT = "practicalnn"
FORMAT_VERSION = 1
MODEL_KINDS = ("network", "NeuralNetClassifier", "NeuralNetRegressor")
_DTYPES = {"F64": np.dtype("<f8"), "F32": np.dtype("<f4"), "I64": np.dtype("<i8")}
_MAX_HEADER = 64 * 2**20
_SIGNATURES = [
    (b"\x80", "a pickle file (practicalnn never loads pickles: they can run code)"),
    (b"PK\x03\x04", "a zip archive (an .npz, a PyTorch or a Keras file?), not a practicalnn model"),
    (b"\x93NUMPY", "a NumPy .npy file, not a practicalnn model"),
    (b"\x89HDF", "an HDF5 file, not a practicalnn model"),
]


# -- the container ---------------------------------------------------------------------------------
def atomic_write(path, data):
    """Write ``data`` (bytes) to ``path`` atomically: temporary file, fsync, rename."""
    path = Path(path)
    if path.is_dir():
        raise bad("path", str(path), "a file path, not a directory")
    if not path.parent.is_dir():
        raise bad("path", str(path), "a path in an existing directory")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, _mode_for(path))
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _mode_for(path):
    """The permissions the file would get from a plain open(): the old file's, else 0666 less the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_dir(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # not every platform can open a directory
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _digest(header_json, tensors):
    h = hashlib.sha256(header_json.encode("utf-8"))
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        h.update(f"\0{name}\0{a.dtype.str}\0{a.shape}\0".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _json(obj):
    def default(o):
        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, np.ndarray):
            return o.tolist()
        raise TypeError(f"{type(o).__name__} cannot go into a model file header")

    return json.dumps(obj, sort_keys=True, default=default)


def write_file(path, tensors, header, kind):
    """Write a practicalnn safetensors file: ``tensors`` (name -> array), ``header`` (JSON-able dict)."""
    import safetensors.numpy

    tensors = {name: np.ascontiguousarray(a) for name, a in tensors.items()}
    for name, a in tensors.items():
        if a.dtype.newbyteorder("<") not in _DTYPES.values():
            raise bad(name, f"array of dtype {a.dtype}", "float64, float32 or int64")
    header_json = _json(header)
    meta = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "kind": kind,
        "header": header_json,
        "sha256": _digest(header_json, tensors),
    }
    atomic_write(path, safetensors.numpy.save(tensors, metadata=meta))


def read_file(path, kinds, argument="path"):
    """Read and check a practicalnn file whose kind is one of ``kinds``.

    Returns ``(kind, header, tensors)``; raises ModelFileError for anything else."""
    path = Path(path)

    def fail(problem):
        return bad(argument, str(path), f"a practicalnn {' or '.join(kinds)} file; {problem}", ModelFileError)

    if not path.is_file():
        raise bad(argument, str(path), "an existing practicalnn model file", ModelFileError)
    data = path.read_bytes()
    raw = _safetensors_header(data, fail)
    meta = raw.pop("__metadata__", None) if isinstance(raw, dict) else None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise fail("it has no practicalnn metadata (a safetensors file written by something else?)")
    if meta.get("format_version") != str(FORMAT_VERSION):
        raise fail(f"format version {meta.get('format_version')!r}; this practicalnn reads version {FORMAT_VERSION}")
    kind = meta.get("kind")
    if kind not in kinds:
        raise fail(f"it holds a {kind!r}")
    _check_layout(raw, len(data) - 8 - int.from_bytes(data[:8], "little"), fail)
    import safetensors.numpy

    try:
        tensors = safetensors.numpy.load(data)
    except Exception as err:  # safetensors' own error type differs between versions
        raise fail(f"safetensors cannot read it ({err})") from None
    header_json = meta.get("header")
    if not isinstance(header_json, str) or meta.get("sha256") != _digest(header_json, tensors):
        raise fail("its checksum does not match its contents (tampered with or damaged)")
    try:
        header = json.loads(header_json)
    except ValueError:
        header = None
    if not isinstance(header, dict):
        raise fail("its header is not a JSON object")
    return kind, header, tensors


def _safetensors_header(data, fail):
    """The JSON header of a safetensors file; else an error that says what the bytes look like."""
    n = int.from_bytes(data[:8], "little") if len(data) >= 8 else 0
    try:
        if len(data) < 8 or n < 2 or n > _MAX_HEADER or 8 + n > len(data):
            raise ValueError("its first 8 bytes are not a safetensors header length (truncated or not safetensors)")
        try:
            return json.loads(data[8 : 8 + n].decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ValueError("its header is not JSON (not a safetensors file, or damaged)") from None
    except ValueError as err:
        for magic, what in _SIGNATURES:
            if data.startswith(magic):
                raise fail(f"this is {what}") from None
        if len(data) < 8:
            raise fail(f"it is {len(data)} bytes long, too short for a safetensors file (truncated?)") from None
        raise fail(str(err)) from None


def _check_layout(entries, data_size, fail):
    spans = []
    for name, entry in entries.items():
        if not isinstance(entry, dict) or entry.get("dtype") not in _DTYPES:
            raise fail(
                f"tensor {name!r} has dtype {entry.get('dtype') if isinstance(entry, dict) else entry!r}; "
                f"expected {', '.join(_DTYPES)}"
            )
        shape, offsets = entry.get("shape"), entry.get("data_offsets")
        if not (
            isinstance(shape, list)
            and all(isinstance(s, int) and s >= 0 for s in shape)
            and isinstance(offsets, list)
            and len(offsets) == 2
            and all(isinstance(o, int) for o in offsets)
        ):
            raise fail(f"tensor {name!r} has a malformed shape or offsets")
        if offsets[1] - offsets[0] != int(np.prod(shape)) * _DTYPES[entry["dtype"]].itemsize:
            raise fail(f"tensor {name!r}: its byte range does not fit its shape")
        spans.append(offsets)
    end = 0
    for start, stop in sorted(spans):
        if start != end:
            raise fail("its tensors overlap or leave gaps")
        end = stop
    if end != data_size:
        raise fail(f"it holds {data_size} bytes of data where its header announces {end} (truncated?)")


# -- what goes into a header ----------------------------------------------------------------------
def classes_to_json(classes):
    """Classes as ``{"dtype": ..., "values": [...]}``: numbers, booleans or strings only."""
    if classes is None:
        return None
    arr = np.asarray(classes)
    if arr.ndim != 1:
        raise bad("classes", f"array of shape {arr.shape}", "a 1-D sequence of labels")
    if arr.dtype.kind in "biuf":
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            raise bad("classes", arr.tolist(), "finite labels")
        return {"dtype": arr.dtype.str, "values": arr.tolist()}
    if arr.dtype.kind == "U" or (arr.dtype.kind == "O" and all(isinstance(v, str) for v in arr)):
        return {"dtype": "str" if arr.dtype.kind == "U" else "object", "values": [str(v) for v in arr]}
    raise bad("classes", arr.tolist()[:5], "labels that are numbers, booleans or strings")


def classes_from_json(d, fail):
    if d is None:
        return None
    try:
        values, dtype = d["values"], d["dtype"]
        if not isinstance(values, list):
            raise TypeError
        if dtype in ("str", "object"):
            if not all(isinstance(v, str) for v in values):
                raise TypeError
            return np.array(values, dtype=object if dtype == "object" else str)
        dtype = np.dtype(dtype)
        if dtype.kind not in "biuf" or not all(isinstance(v, (int, float, bool)) for v in values):
            raise TypeError
        return np.array(values, dtype=dtype)
    except (KeyError, TypeError, ValueError):
        raise fail("its classes are malformed") from None


def network_from(header, tensors, fail):
    """The Network described by ``header["network"]`` with parameters ``tensors["params"]``."""
    from ..core.network import Network
    from ..core.params import ParamLayout

    spec = header.get("network")
    if not isinstance(spec, dict) or set(spec) != {"layer_sizes", "activation", "output", "dtype"}:
        raise fail("its network description is missing or malformed")
    params = tensors.get("params")
    try:
        size = ParamLayout(spec["layer_sizes"]).size  # before allocating: a header may announce anything
        if params is None or params.size != size:
            raise fail(
                f"tensor 'params' holds {None if params is None else params.size} numbers; "
                f"layers {spec['layer_sizes']} need {size}"
            )
        net = Network(spec["layer_sizes"], spec["activation"], spec["output"], spec["dtype"])
    except ModelFileError:
        raise
    except (PracticalNNError, TypeError) as err:
        raise fail(f"its network description is invalid ({err})") from None
    if params.shape != net.params.shape or params.dtype != net.dtype:
        got = f"{params.dtype} {params.shape}"  # params is not None: checked above
        raise fail(f"tensor 'params' is {got}; the network needs {net.dtype} {net.params.shape}")
    if not np.isfinite(params).all():
        raise fail("its parameters contain NaN or inf")
    net.set_params(params)
    return net


_HISTORY_SERIES = {
    "iterations": ("history.iterations", np.int64),
    "cost_history": ("history.cost", np.float64),
    "cost_unpenalized_history": ("history.cost_unpenalized", np.float64),
}


def history_to_parts(history):
    """A History as JSON (reasons, curves) plus its per-iteration series as tensors."""
    d = history.to_dict()
    tensors = {name: np.asarray(d.pop(key), dtype=dtype) for key, (name, dtype) in _HISTORY_SERIES.items()}
    return d, tensors


def history_from_parts(d, tensors, fail):
    from ..training.history import History

    if not isinstance(d, dict):
        raise fail("its history is missing or malformed")
    d = dict(d)
    lengths = set()
    for key, (name, dtype) in _HISTORY_SERIES.items():
        series = tensors.get(name)
        if series is None or series.ndim != 1 or series.dtype != dtype:
            raise fail(f"tensor {name!r} is missing or not a 1-D {np.dtype(dtype).name} series")
        d[key] = series.tolist()
        lengths.add(series.size)
    if len(lengths) != 1:
        raise fail("its history series differ in length")
    try:
        return History.from_dict(d)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise fail("its history is malformed") from None


def standardizer_to_json(standardizer):
    return None if standardizer is None else standardizer.to_dict()


def standardizer_from_json(d, n_x, fail):
    if d is None:
        return None
    from ..data.scaling import Standardizer

    try:
        s = Standardizer.from_dict(d)
    except (PracticalNNError, AttributeError, TypeError) as err:
        raise fail(f"its normalization statistics are invalid ({err})") from None
    if s.mean_.shape != (n_x, 1):
        raise fail(f"its normalization statistics cover {s.mean_.shape[0]} features; the network takes {n_x}")
    return s


# -- a network with what it needs to predict -------------------------------------------------------
@dataclass
class SavedNetwork:
    """A trained Network with what prediction needs: the input standardizer (statistics of the
    training set), the original class labels, the feature names, and free ``info`` (JSON)."""

    network: object
    standardizer: object = None
    classes: object = None
    feature_names: list | None = None
    target: str | None = None
    info: dict = field(default_factory=dict)

    def _inputs(self, X):
        X = self.network.check_X(X)
        return X if self.standardizer is None else self.standardizer.transform(X)

    def predict_proba(self, X):
        """Output activations (n_y, m) for X (n_x, m) in original units."""
        return self.network.predict_proba(self._inputs(X))

    def predict(self, X):
        """Predictions (1, m) for X (n_x, m): class labels (original ones when known) or values."""
        out = self.network.output.predict(self.predict_proba(X))
        if self.classes is None or self.network.output.name == "identity":
            return out
        return np.asarray(self.classes)[out]


def _network_parts(model):
    net = model.network
    if net.output.name != "identity" and model.classes is not None:
        n = 2 if net.output.name == "sigmoid" else net.layer_sizes[-1]
        if len(model.classes) != n:
            raise bad("classes", list(model.classes), f"{n} labels for a {net.output.name} output")
    if model.feature_names is not None and len(model.feature_names) != net.layer_sizes[0]:
        raise bad("feature_names", list(model.feature_names), f"{net.layer_sizes[0]} names, one per input")
    header = {
        "network": net.config(),
        "classes": classes_to_json(model.classes),
        "standardizer": standardizer_to_json(model.standardizer),
        "feature_names": None if model.feature_names is None else [str(f) for f in model.feature_names],
        "target": model.target,
        "info": model.info,
    }
    return header, {"params": net.params}


def _network_from_parts(header, tensors, fail):
    if set(tensors) != {"params"}:
        raise fail(f"it holds tensors {sorted(tensors)}; a network file holds only 'params'")
    net = network_from(header, tensors, fail)
    names = header.get("feature_names")
    if names is not None and (
        not isinstance(names, list) or len(names) != net.layer_sizes[0] or not all(isinstance(n, str) for n in names)
    ):
        raise fail("its feature names are malformed")
    classes = classes_from_json(header.get("classes"), fail)
    if classes is not None and net.output.name != "identity":
        n = 2 if net.output.name == "sigmoid" else net.layer_sizes[-1]
        if len(classes) != n:
            raise fail(f"it has {len(classes)} classes for a {net.output.name} output of {net.layer_sizes[-1]} unit(s)")
    info = header.get("info") or {}
    target = header.get("target")
    if not isinstance(info, dict) or not (target is None or isinstance(target, str)):
        raise fail("its info or target is malformed")
    return SavedNetwork(
        net, standardizer_from_json(header.get("standardizer"), net.layer_sizes[0], fail), classes, names, target, info
    )


# -- the public pair -------------------------------------------------------------------------------
def save(model, path, *, standardizer=None, classes=None, feature_names=None, target=None, info=None):
    """Save a trained model to ``path`` (safetensors + JSON header, written atomically).

    Parameters
    ----------
    model : Network, SavedNetwork, NeuralNetClassifier or NeuralNetRegressor
        A Network is saved with the optional ``standardizer`` (a fitted
        ``practicalnn.data.scaling.Standardizer``), ``classes`` (the original label of each class
        index), ``feature_names``, ``target`` and ``info`` (a JSON-able dict). A fitted estimator
        carries all of these itself.
    path : str or Path
        Where to write. The directory must exist. An existing file is replaced only once the new
        one is completely on disk.

    Returns
    -------
    Path
        The path written.
    """
    from ..core.network import Network

    extras = dict(
        standardizer=standardizer, classes=classes, feature_names=feature_names, target=target, info=dict(info or {})
    )
    if isinstance(model, Network):
        model = SavedNetwork(model, **extras)
    elif any(v for k, v in extras.items() if k != "classes") or classes is not None:
        raise bad(
            "model",
            type(model).__name__,
            "a Network when standardizer, classes, feature_names, "
            "target or info are given (an estimator or SavedNetwork carries its own)",
        )
    if isinstance(model, SavedNetwork):
        kind, (header, tensors) = "network", _network_parts(model)
    elif hasattr(model, "_file_parts") and type(model).__name__ in MODEL_KINDS:
        kind, (header, tensors) = type(model).__name__, model._file_parts()
    else:
        raise bad("model", type(model).__name__, "a Network, SavedNetwork, NeuralNetClassifier or NeuralNetRegressor")
    from .._version import __version__

    header = {**header, "library": "practicalnn", "library_version": __version__}
    write_file(path, tensors, header, kind)
    return Path(path)


def load(path):
    """Load a model saved by ``save``; reads JSON and raw arrays only, never code.

    Returns
    -------
    SavedNetwork, NeuralNetClassifier or NeuralNetRegressor
        What was saved (a Network comes back as a SavedNetwork: ``.network``, ``.standardizer``,
        ``.classes``, ``.feature_names``, ``.target``, ``.info``).

    Raises
    ------
    ModelFileError
        The file is missing, truncated, tampered with, of another format version, or not a
        practicalnn model (a pickle, a zip, random bytes, another program's safetensors file).
    """
    return read_model(path)


def read_model(path, argument="path"):
    """``load``, with errors naming ``argument`` (the CLI's ``model``)."""
    kind, header, tensors = read_file(path, MODEL_KINDS, argument)

    def fail(problem):
        return bad(argument, str(path), f"a valid practicalnn model file; {problem}", ModelFileError)

    if kind == "network":
        return _network_from_parts(header, tensors, fail)
    from .. import estimators

    return getattr(estimators, kind)._from_file_parts(header, tensors, fail)


__all__ = ["FORMAT_VERSION", "SavedNetwork", "load", "save"]

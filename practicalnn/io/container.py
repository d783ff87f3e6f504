"""The practicalnn file container: safetensors for the arrays, a JSON header for everything else. Never pickle.

A file is a plain safetensors file (https://github.com/huggingface/safetensors)::

    8 bytes   N, little-endian unsigned 64-bit: the length of the JSON header
    N bytes   JSON: each tensor's dtype, shape and byte offsets, and "__metadata__"
    the rest  the tensors' bytes, back to back

practicalnn fills ``__metadata__`` (strings only, as safetensors requires) with:

    format          "practicalnn"
    format_version  "1" (a string, as every safetensors metadata value)
    kind            "network", "NeuralNetClassifier", "NeuralNetRegressor" or "checkpoint"
    header          JSON: architecture, hyperparameters, normalization statistics, classes, version
    sha256          digest of the header and of every tensor (name, dtype, shape, bytes)

The digest guards against damage (a flipped bit, a cut), not against edits: anyone can edit a file
and recompute it, so every field is also checked for meaning when the file is read.

Reading is bounded by limits, not by the file: the 8-byte length and the header are read and checked
first (size, JSON nesting depth, tensor layout), then exactly the body the header declares. Writes go
to a temporary file beside the target, are fsynced, then renamed over it: a crash in the middle of a
save leaves the file that was there untouched, and the next write removes the temporary files that
killed writers left behind.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from ..errors import ModelFileError, argument_error
from .paths import atomic_write

FORMAT = "practicalnn"
FORMAT_VERSION = 1
DTYPES = {"F64": np.dtype("<f8"), "F32": np.dtype("<f4"), "I64": np.dtype("<i8")}
#: What a file may ask of the reader, checked before the body is read.
MAX_HEADER_BYTES = 64 * 2**20
MAX_BODY_BYTES = 4 * 2**30
MAX_JSON_DEPTH = 16
_SIGNATURES = [
    (b"\x80", "a pickle file (practicalnn never loads pickles: they can run code)"),
    (b"PK\x03\x04", "a zip archive (an .npz, a PyTorch or a Keras file?), not a practicalnn model"),
    (b"\x93NUMPY", "a NumPy .npy file, not a practicalnn model"),
    (b"\x89HDF", "an HDF5 file, not a practicalnn model"),
]


# -- writing ----------------------------------------------------------------------------------------
def digest(header_json, tensors):
    h = hashlib.sha256(header_json.encode("utf-8"))
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        h.update(f"\0{name}\0{a.dtype.str}\0{a.shape}\0".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def to_json(obj):
    def default(o):
        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, np.ndarray):
            return o.tolist()
        raise TypeError(f"{type(o).__name__} cannot go into a model file header")

    return json.dumps(obj, sort_keys=True, default=default)


def write_file(path, tensors, header, kind, argument="path"):
    """Write a practicalnn safetensors file: ``tensors`` (name -> array), ``header`` (JSON-able dict)."""
    import safetensors.numpy

    tensors = {name: np.ascontiguousarray(a) for name, a in tensors.items()}
    for name, a in tensors.items():
        if a.dtype.newbyteorder("<") not in DTYPES.values():
            raise argument_error(name, f"array of dtype {a.dtype}", "float64, float32 or int64")
    header_json = to_json(header)
    meta = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "kind": kind,
        "header": header_json,
        "sha256": digest(header_json, tensors),
    }
    return atomic_write(path, safetensors.numpy.save(tensors, metadata=meta), argument)


# -- reading ----------------------------------------------------------------------------------------
def parse_json(text, fail, what):
    """``json.loads`` bounded in nesting depth; ``fail`` names ``what`` otherwise."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise fail(f"its {what} is nested too deeply") from None
    except (UnicodeDecodeError, ValueError):
        raise fail(f"its {what} is not JSON (not a safetensors file, or damaged)") from None
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise fail(f"its {what} is nested more than {MAX_JSON_DEPTH} levels deep")
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return value


def read_file(path, kinds, argument="path"):
    """Read and check a practicalnn file whose kind is one of ``kinds``.

    Returns ``(kind, header, tensors)``; raises ModelFileError for anything else."""
    path = Path(path)

    def fail(problem):
        return argument_error(
            argument, str(path), f"a practicalnn {' or '.join(kinds)} file; {problem}", ModelFileError
        )

    if not path.is_file():
        raise argument_error(argument, str(path), "an existing practicalnn model file", ModelFileError)
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            head = fh.read(8)
            n = _header_length(head, size, fail)
            try:
                raw = parse_json(fh.read(n), fail, "safetensors header")
            except ModelFileError:
                _refuse_known_formats(head, fail)
                raise
            meta = _metadata(raw, fail, kinds)
            _check_layout(raw, size - 8 - n, fail)
            fh.seek(0)
            data = fh.read(size)
    except OSError as err:
        raise argument_error(argument, str(path), f"a readable file ({err.strerror or err})", ModelFileError) from None
    import safetensors.numpy

    try:
        tensors = safetensors.numpy.load(data)
    except Exception as err:  # safetensors' own error type differs between versions
        raise fail(f"safetensors cannot read it ({err})") from None
    header_json = meta.get("header")
    if not isinstance(header_json, str) or meta.get("sha256") != digest(header_json, tensors):
        raise fail("its checksum does not match its contents (damaged, or edited without recomputing it)")
    header = parse_json(header_json, fail, "header")
    if not isinstance(header, dict):
        raise fail("its header is not a JSON object")
    return meta["kind"], header, tensors


def _header_length(head, size, fail):
    """N from the first 8 bytes, checked against the file's size and the limit; else what the bytes look like."""
    n = int.from_bytes(head, "little") if len(head) == 8 else 0
    if len(head) == 8 and 2 <= n <= MAX_HEADER_BYTES and 8 + n <= size:
        return n
    _refuse_known_formats(head, fail)
    if len(head) < 8:
        raise fail(f"it is {len(head)} bytes long, too short for a safetensors file (truncated?)")
    if n > MAX_HEADER_BYTES and 8 + n <= size:
        raise fail(f"its header announces {n} bytes; practicalnn reads headers of at most {MAX_HEADER_BYTES}")
    raise fail("its first 8 bytes are not a safetensors header length (truncated or not safetensors)")


def _refuse_known_formats(head, fail):
    for magic, what in _SIGNATURES:
        if head.startswith(magic):
            raise fail(f"this is {what}")


def _metadata(raw, fail, kinds):
    meta = raw.pop("__metadata__", None) if isinstance(raw, dict) else None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise fail("it has no practicalnn metadata (a safetensors file written by something else?)")
    version = meta.get("format_version")
    if not isinstance(version, str):
        raise fail(
            f"its format_version is {version!r}, a {type(version).__name__}; "
            f"practicalnn writes it as the string {str(FORMAT_VERSION)!r}"
        )
    if version != str(FORMAT_VERSION):
        raise fail(f"format version {version!r}; this practicalnn reads version {str(FORMAT_VERSION)!r}")
    if meta.get("kind") not in kinds:
        raise fail(f"it holds a {meta.get('kind')!r}")
    return meta


def _check_layout(entries, data_size, fail):
    spans = []
    for name, entry in entries.items():
        if not isinstance(entry, dict) or entry.get("dtype") not in DTYPES:
            raise fail(
                f"tensor {name!r} has dtype {entry.get('dtype') if isinstance(entry, dict) else entry!r}; "
                f"expected {', '.join(DTYPES)}"
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
        if offsets[1] - offsets[0] != int(np.prod(shape, dtype=object)) * DTYPES[entry["dtype"]].itemsize:
            raise fail(f"tensor {name!r}: its byte range does not fit its shape")
        spans.append(offsets)
    end = 0
    for start, stop in sorted(spans):
        if start != end:
            raise fail("its tensors overlap or leave gaps")
        end = stop
    if end > MAX_BODY_BYTES:
        raise fail(f"its tensors announce {end} bytes; practicalnn reads at most {MAX_BODY_BYTES}")
    if end != data_size:
        raise fail(f"it holds {data_size} bytes of data where its header announces {end} (truncated?)")

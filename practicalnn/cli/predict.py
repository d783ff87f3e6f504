"""practicalnn predict: apply a saved model to the rows of a CSV file."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

from ..data.datasets import numeric_columns, read_table
from ..errors import DataError, argument_error
from ..io.model_file import SavedNetwork
from .common import print_json, table


def register(sub):
    p = sub.add_parser(
        "predict",
        help="predict with a saved model (train --save) on the rows of a CSV file",
        description="Load a model file (safetensors + JSON header; no code is ever run from it) "
        "and predict one value per row of a CSV with a header row. The model's feature "
        "columns are picked by name when it knows them; other columns are ignored. When the "
        "CSV also holds the model's target column, the accuracy (or R^2) is reported. A model "
        "trained on a table takes raw rows of a CSV or Parquet file, its columns in any order.",
    )
    p.add_argument("model_file", nargs="?", metavar="MODEL", help="the model file (or --model)")
    p.add_argument("data_file", nargs="?", metavar="DATA", help="the rows to predict (or --data)")
    p.add_argument("--model", metavar="PATH", help="a model file written by train --save or practicalnn.save")
    p.add_argument("--data", metavar="CSV", help="CSV (or Parquet) file with a header row, one example per row")
    p.add_argument("--target", help="target column to leave out and score against (default: the model's, if any)")
    p.add_argument("--json", action="store_true", help="print one JSON document and nothing else on stdout")
    p.set_defaults(run=run)


def _features(model, header, target):
    """The CSV columns that feed the model, in the model's order."""
    names = model.feature_names if isinstance(model, SavedNetwork) else getattr(model, "feature_names_in_", None)
    n_x = model.network.layer_sizes[0] if isinstance(model, SavedNetwork) else model.n_features_in_
    if names is not None:
        missing = [n for n in names if n not in header]
        if missing:
            raise argument_error(
                "data", f"columns {header}", f"the model's feature columns; missing {missing}", DataError
            )
        return list(names)
    columns = [h for h in header if h != target]
    if len(columns) != n_x:
        raise argument_error(
            "data", f"{len(columns)} feature columns {columns}", f"{n_x}, the model's number of inputs", DataError
        )
    return columns


def _predict_once_warned(model, X):
    """``_predict``, each distinct warning (scikit-learn's about feature names, say: predict and
    predict_proba both give it) printed once, as one line."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = _predict(model, X)
    for message in dict.fromkeys(" ".join(str(w.message).split()) for w in caught):
        print(f"practicalnn predict: warning: {message}", file=sys.stderr)
    return out


def _predict(model, X):
    """Predictions (m,) or (m, k) and, for classifiers, probabilities (m, n_classes) for rows X (m, n)."""
    if not isinstance(model, SavedNetwork):
        proba = model.predict_proba(X) if hasattr(model, "predict_proba") else None
        return model.predict(X), proba
    out = model.predict(X.T)
    if model.network.output.name == "identity":
        return (out[0] if out.shape[0] == 1 else out.T), None
    A = model.predict_proba(X.T)
    return out[0], (np.column_stack([1 - A[0], A[0]]) if A.shape[0] == 1 else A.T)


def _classes(model):
    classes = model.classes if isinstance(model, SavedNetwork) else getattr(model, "classes_", None)
    if classes is None and isinstance(model, SavedNetwork) and model.network.output.name != "identity":
        n = model.network.layer_sizes[-1]
        classes = np.arange(2 if n == 1 else n)
    return None if classes is None else np.asarray(classes)


def _score(classes, predicted, header, rows, target, path):
    if target is None or target not in header:
        return None, None
    c = header.index(target)
    truth = [row[c] for row in rows]
    if classes is not None:
        labels = [str(v) for v in predicted]
        return "accuracy", float(np.mean([t == p or _same_number(t, p) for t, p in zip(truth, labels)]))
    y = numeric_columns(path, header, rows, [target])[:, 0]
    pred = np.asarray(predicted, dtype=float).reshape(len(rows), -1)[:, 0]
    total = np.sum((y - y.mean()) ** 2)
    return "r2", (float(1 - np.sum((y - pred) ** 2) / total) if total > 0 else None)


def _same_number(a, b):
    try:
        return float(a) == float(b)
    except ValueError:
        return False


def _paths(args):
    """--model and --data, or the two positional paths."""
    for flag, positional in (("model", "model_file"), ("data", "data_file")):
        given = [v for v in (getattr(args, flag), getattr(args, positional)) if v is not None]
        if len(given) != 1:
            raise argument_error(flag, given or None, f"one {flag} path: MODEL DATA or --model PATH --data PATH")
        setattr(args, flag, given[0])


def run(args):
    _paths(args)
    from ..estimators.files import read as read_model  # scikit-learn loads only when a model is read

    model = read_model(args.model, "model")
    if isinstance(model, SavedNetwork) and model.preprocessing is not None:
        from ._predict_table import run_table

        return run_table(model, args)
    header, rows = read_table(args.data)
    target = args.target if args.target is not None else getattr(model, "target", None)
    if args.target is not None and args.target not in header:
        raise argument_error(
            "target", args.target, f"a column of {Path(args.data).name}: {', '.join(header)}", DataError
        )
    columns = _features(model, header, target)
    X = numeric_columns(args.data, header, rows, columns)
    predicted, proba = _predict_once_warned(model, X)
    classes = _classes(model)
    metric, value = _score(classes, predicted, header, rows, target, args.data)
    if args.json:
        print_json(
            {
                "model": str(args.model),
                "data": str(args.data),
                "features": columns,
                "classes": None if classes is None else classes.tolist(),
                "predictions": np.asarray(predicted).tolist(),
                "probabilities": None if proba is None else proba.tolist(),
                "target": target if metric else None,
                "metric": metric,
                "score": value,
            }
        )
        return 0
    heads = ["row", "prediction"] + ([f"P({k})" for k in classes] if proba is not None else [])
    out = [
        [i + 1, p if np.ndim(p) == 0 else list(np.round(p, 6)), *(proba[i] if proba is not None else [])]
        for i, p in enumerate(np.asarray(predicted).tolist())
    ]
    print(table(heads, [[c.item() if isinstance(c, np.generic) else c for c in r] for r in out]))
    if metric:
        print(f"\n{metric} against column {target!r}: {value if value is None else round(value, 6)}")
    return 0

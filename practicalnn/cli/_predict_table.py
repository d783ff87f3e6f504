"""``practicalnn predict`` with a model trained on a table: raw rows of a CSV or Parquet file go through the
model's own preprocessing (its columns found by name, in any order), labels shown as they were."""

from __future__ import annotations

import numpy as np

from ..data.tables import read_table
from ..errors import DataError, argument_error
from .common import print_json, table


def _probabilities(model, X):
    if model.network.output.name == "identity":
        return None
    A = model.predict_proba(X)
    return np.column_stack([1 - A[0], A[0]]) if A.shape[0] == 1 else A.T


def _score(model, frame, predicted):
    """``(metric, value)`` against the model's target column when the rows hold it, else (None, None)."""
    target = model.target
    if target is None or target not in frame.columns:
        return None, None
    truth = frame[target]
    known = truth.notna().to_numpy()
    if model.network.output.name != "identity":
        same = [str(t) == str(p) for t, p in zip(truth[known], predicted[known])]
        return "accuracy", float(np.mean(same)) if same else None
    if truth.dtype.kind not in "biuf":
        raise argument_error(
            "data", f"column {target!r} of dtype {truth.dtype}", "numbers, the model's target", DataError
        )
    y, pred = truth.to_numpy(dtype=float)[known], np.asarray(predicted, dtype=float)[known]
    total = float(np.sum((y - y.mean()) ** 2))
    return "r2", (1 - float(np.sum((y - pred) ** 2)) / total if total > 0 else None)


def run_table(model, args):
    frame = read_table(args.data, "data")
    X = model.table_inputs(frame, "data")
    predicted = np.asarray(model.predict(X))[0]
    proba = _probabilities(model, X)
    metric, value = _score(model, frame, predicted)
    classes = None if model.classes is None else np.asarray(model.classes)
    columns = [c.name for c in model.preprocessing.columns_]
    if args.json:
        print_json(
            {
                "model": str(args.model),
                "data": str(args.data),
                "features": columns,
                "classes": None if classes is None else classes.tolist(),
                "predictions": predicted.tolist(),
                "probabilities": None if proba is None else proba.tolist(),
                "target": model.target if metric else None,
                "metric": metric,
                "score": value,
            }
        )
        return 0
    heads = ["row", "prediction"] + ([f"P({k})" for k in classes] if proba is not None else [])
    rows = [[i + 1, p, *(proba[i] if proba is not None else [])] for i, p in enumerate(predicted.tolist())]
    print(table(heads, rows))
    if metric:
        shown = value if value is None else round(value, 6)
        print(f"\n{metric} against column {model.target!r}: {shown}")
    return 0

"""A CSV or Parquet table as a Dataset: split by the notes' size rule, encoded by a ``TablePreprocessor``
fitted on the training rows only, and (for regression) the target standardized with the training rows'
mean and standard deviation, undone at prediction.

A target that is text, or whole numbers with at most ``MAX_CLASSES`` distinct values, is a classification
(labels kept as they were: ``1``, not ``1.0``); any other numeric target is a regression.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ConfigError, DataError, argument_error
from .datasets import DATASETS, Dataset
from .splits import SMALL, default_ratios, split_indices
from .tables import TablePreprocessor, read_table

MAX_CLASSES = 20
PARQUET = (".parquet", ".pq")


@dataclass
class TableDataset(Dataset):
    """A Dataset read from a table, with what prediction on raw rows needs: the fitted ``preprocessing``,
    the ``target`` column, the target's ``target_scaling`` (mean, std) for regression, and ``notes``
    (one line per column and one for the split) for the user."""

    preprocessing: TablePreprocessor | None = None
    target: str | None = None
    target_scaling: tuple | None = None
    notes: list = field(default_factory=list)


def table_path(name, features=None, drop=()):
    """Whether the dataset ``name`` is read as a table: not a built-in dataset, and a Parquet file, a CSV
    of at least ``SMALL`` (100) data rows (the notes' split needs them; smaller CSVs keep the plain
    numeric reader of ``datasets.load_csv`` and its train/test split), or any file when ``features`` or
    ``drop`` chooses columns."""
    if name in DATASETS:
        return False
    path = Path(str(name))
    if path.suffix.lower() in PARQUET or features or drop:
        return True
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    with open(path, "rb") as fh:
        rows = sum(1 for line in fh if line.strip())
    return rows - 1 >= SMALL


def _labels(y, target):
    """``(output, classes, codes)`` for a classification target, or ``("identity", None, None)``."""
    values = y.to_numpy()
    numeric = y.dtype.kind in "biuf"
    if numeric and not (np.all(np.mod(values, 1) == 0) and len(np.unique(values)) <= MAX_CLASSES):
        return "identity", None, None
    if numeric:
        values = values.astype(np.int64) if y.dtype.kind != "b" else values
    else:
        values = np.asarray([str(v) for v in values], dtype=object)
    classes, codes = np.unique(values, return_inverse=True)
    if len(classes) < 2:
        raise argument_error(
            "target", target, f"a column with at least 2 classes; it holds only {classes[0]!r}", DataError
        )
    return ("sigmoid" if len(classes) == 2 else "softmax"), classes, codes


def _split_note(m, ratios, parts):
    rule = "up to 1,000,000 rows" if ratios[0] == 0.6 else "over 1,000,000 rows"
    shares = "/".join(f"{round(100 * r)}" for r in ratios)
    counts = " / ".join(f"{len(p)} {n}" for p, n in zip(parts, ("train", "dev", "test")))
    return f"split {shares} (the notes' rule for {rule}): {counts} of {m} rows"


def load_table(path, target, *, features=None, drop=(), seed=0):
    """The table at ``path`` as a TableDataset with train, dev and test sets (see the module doc)."""
    frame = read_table(path)
    if target is None:
        raise argument_error("target", None, f"the name of the label column of {path}", ConfigError)
    if target not in frame.columns:
        raise argument_error("target", target, f"a column of {path}: {', '.join(map(str, frame.columns))}", ConfigError)
    notes = []
    unlabeled = int(frame[target].isna().sum())
    if unlabeled:
        frame = frame[frame[target].notna()].reset_index(drop=True)
        notes.append(f"{target}: {unlabeled} rows without a value left out")
    output, classes, codes = _labels(frame[target], target)
    m = len(frame)
    ratios = default_ratios(m)
    split = split_indices(m, ratios=ratios, labels=codes, seed=seed)
    parts = [split["train"], split["dev"], split["test"]]
    prep = TablePreprocessor(features, drop).fit(frame.iloc[parts[0]], target=target)
    if classes is None:
        y = frame[target].to_numpy(dtype=float)
        mean, std = float(y[parts[0]].mean()), float(y[parts[0]].std())
        std = std if std > 0 else 1.0
        Y = ((y - mean) / std).reshape(1, -1)
        scaling = (mean, std)
        notes.append(f"{target}: regression target, standardized (mean {mean:g}, std {std:g}); undone at prediction")
    else:
        Y, scaling = codes.reshape(1, -1), None
        notes.append(f"{target}: {len(classes)} classes ({', '.join(map(str, classes[:6]))})")
    sets = [(prep.transform(frame.iloc[idx]), Y[:, idx]) for idx in parts]
    notes = [*prep.describe(), *notes, _split_note(m, ratios, parts)]
    (tr_X, tr_Y), (dv_X, dv_Y), (te_X, te_Y) = sets
    return TableDataset(
        Path(str(path)).stem,
        tr_X,
        tr_Y,
        te_X,
        te_Y,
        output,
        prep.feature_names_out,
        None if classes is None else classes.tolist(),
        dv_X,
        dv_Y,
        preprocessing=prep,
        target=target,
        target_scaling=scaling,
        notes=notes,
    )

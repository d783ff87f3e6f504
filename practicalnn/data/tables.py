"""Tables as they come: mixed numeric and string columns, missing values, names worth keeping.

``TablePreprocessor`` is what a careful user writes with scikit-learn, fitted on the training rows only:

    numeric columns   SimpleImputer(strategy="median") -> StandardScaler()
    string columns    SimpleImputer(strategy="constant", fill_value="missing")
                      -> OneHotEncoder(handle_unknown="ignore")

scikit-learn fits it (a ``ColumnTransformer``). What the fit learned (each numeric column's median, mean and
scale; each categorical column's categories) is kept as plain numbers and strings, so a model file can carry
it without pickle, and applied to new rows by ``transform``: the same arithmetic as scikit-learn's
``transform`` (tests/test_tables.py checks the two agree), where an unknown category is all zeros, as
``handle_unknown="ignore"`` makes it. Columns may come in any order; a missing column, or a numeric column
that arrives as text, is an error naming the column.

pandas (and pyarrow for Parquet) are the ``tables`` extra: ``pip install "practicalnn[tables]"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ConfigError, DataError, argument_error

MISSING = "missing"


def require_pandas():
    try:
        import pandas
    except ImportError:
        raise ConfigError('reading tables needs pandas: pip install "practicalnn[tables]"') from None
    return pandas


def read_table(path, argument="dataset"):
    """A CSV (UTF-8, a BOM allowed) or Parquet file as a pandas DataFrame; one DataError naming the path
    for a file that is not what its name says, is empty, or repeats a column name."""
    pd = require_pandas()
    path = Path(path)
    if not path.is_file():
        raise argument_error(argument, str(path), "an existing CSV or Parquet file", DataError)
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        else:
            with open(path, encoding="utf-8-sig", newline="") as fh:
                header = fh.readline().rstrip("\r\n").split(",")
            frame = pd.read_csv(path, encoding="utf-8-sig")
            repeated = sorted({h.strip() for h in header if header.count(h) > 1})
            if repeated:
                raise argument_error(
                    argument, str(path), f"a table whose column names are distinct (repeated: {repeated})", DataError
                )
    except DataError:
        raise
    except Exception as err:  # pandas and pyarrow raise many types for a malformed file
        kind = "Parquet" if path.suffix.lower() in (".parquet", ".pq") else "CSV"
        raise argument_error(
            argument, str(path), f"a readable {kind} file ({type(err).__name__}: {err})", DataError
        ) from None
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise argument_error(argument, str(path), "a table with a header and at least one row", DataError)
    return frame


@dataclass
class Column:
    """One input column and what the fit learned about it."""

    name: str
    kind: str  # "numeric" or "categorical"
    median: float = 0.0
    mean: float = 0.0
    scale: float = 1.0
    categories: list = field(default_factory=list)

    @property
    def outputs(self):
        if self.kind == "numeric":
            return [self.name]
        return [f"{self.name}={c}" for c in self.categories]


def _is_numeric(series):
    return series.dtype.kind in "biuf"


class TablePreprocessor:
    """Impute, standardize and one-hot encode the feature columns of a DataFrame (see the module doc).

    Parameters
    ----------
    features : list of str or None
        The columns to use, in any order; None: every column but ``target`` and ``drop``.
    drop : list of str
        Columns left out.
    """

    def __init__(self, features=None, drop=()):
        self.features = None if features is None else list(features)
        self.drop = list(drop)
        self.columns_: list[Column] = []

    # -- fitting, by scikit-learn ------------------------------------------------------------------
    def fit(self, frame, target=None):
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        names = self._feature_names(frame, target)
        numeric = [n for n in names if _is_numeric(frame[n])]
        categorical = [n for n in names if n not in numeric]
        for n in names:
            if frame[n].isna().all():
                raise argument_error(
                    "dataset", f"column {n!r}", "a column with at least one value (it is all missing)", DataError
                )
        transformer = ColumnTransformer(
            [
                ("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
                (
                    "categorical",
                    make_pipeline(
                        SimpleImputer(strategy="constant", fill_value=MISSING), OneHotEncoder(handle_unknown="ignore")
                    ),
                    categorical,
                ),
            ]
        )
        transformer.fit(self._as_objects(frame, categorical))
        self.transformer_ = transformer
        self.columns_ = []
        if numeric:
            imputer, scaler = (
                transformer.named_transformers_["numeric"].steps[0][1],
                transformer.named_transformers_["numeric"].steps[1][1],
            )
            for i, n in enumerate(numeric):
                self.columns_.append(
                    Column(n, "numeric", float(imputer.statistics_[i]), float(scaler.mean_[i]), float(scaler.scale_[i]))
                )
        if categorical:
            encoder = transformer.named_transformers_["categorical"].steps[1][1]
            for n, cats in zip(categorical, encoder.categories_):
                self.columns_.append(Column(n, "categorical", categories=[str(c) for c in cats]))
        return self

    def _feature_names(self, frame, target):
        names = [str(c) for c in frame.columns]
        if len(set(names)) != len(names):
            raise argument_error("dataset", names, "a table whose column names are distinct", DataError)
        for flag, wanted in (("features", self.features or []), ("drop", self.drop)):
            unknown = [n for n in wanted if n not in names]
            if unknown:
                raise argument_error(flag, unknown, f"columns of the table ({', '.join(names)})", ConfigError)
        if target is not None and (self.features and target in self.features):
            raise argument_error(
                "features", self.features, f"feature columns other than the target {target!r}", ConfigError
            )
        chosen = self.features if self.features is not None else [n for n in names if n != target]
        chosen = [n for n in chosen if n not in self.drop]
        if not chosen:
            raise argument_error("features", chosen, "at least one feature column", ConfigError)
        return chosen

    @staticmethod
    def _as_objects(frame, categorical):
        """The frame with its categorical columns as strings (NaN kept), so numbers used as categories and
        strings compare the same at fit and at prediction."""
        out = frame.copy()
        for n in categorical:
            out[n] = out[n].astype(object).map(str, na_action="ignore")
        return out

    # -- applying what was learned -----------------------------------------------------------------
    @property
    def feature_names_out(self):
        return [o for c in self.columns_ for o in c.outputs]

    def transform(self, frame, argument="X"):
        """The encoded inputs, (n_features_out, m) in the notes' layout, from a DataFrame with the fitted
        columns in any order (others are ignored)."""
        missing = [c.name for c in self.columns_ if c.name not in frame.columns]
        if missing:
            raise argument_error(
                argument, f"a table without column(s) {missing}", "every column the model was fitted on", DataError
            )
        rows = []
        for c in self.columns_:
            series = frame[c.name]
            if c.kind == "numeric":
                if not _is_numeric(series) and not series.isna().all():
                    raise argument_error(
                        argument,
                        f"column {c.name!r} of dtype {series.dtype}",
                        "numbers, as when the model was fitted",
                        DataError,
                    )
                values = series.to_numpy(dtype=float, na_value=np.nan)
                values = np.where(np.isnan(values), c.median, values)
                rows.append(((values - c.mean) / c.scale)[None, :])
            else:
                text = series.astype(object).where(series.notna(), MISSING).map(str).to_numpy()
                rows.append((text[None, :] == np.asarray(c.categories, dtype=object)[:, None]).astype(float))
        return np.vstack(rows) if rows else np.zeros((0, len(frame)))

    def describe(self):
        """One line per column: what was done to it."""
        lines = []
        for c in self.columns_:
            if c.kind == "numeric":
                lines.append(
                    f"{c.name}: numeric, missing -> median {c.median:g}, standardized "
                    f"(mean {c.mean:g}, std {c.scale:g})"
                )
            else:
                lines.append(
                    f"{c.name}: categorical, one-hot over {len(c.categories)} categories "
                    f"({', '.join(c.categories[:6])}{', ...' if len(c.categories) > 6 else ''}); "
                    "unknown categories -> all zeros"
                )
        return lines

    # -- model files ---------------------------------------------------------------------------------
    def to_dict(self):
        return {"columns": [c.__dict__.copy() for c in self.columns_]}

    @classmethod
    def from_dict(cls, d):
        if not isinstance(d, dict) or not isinstance(d.get("columns"), list):
            raise argument_error("preprocessing", type(d).__name__, "a dict with a list of columns", DataError)
        self = cls()
        for entry in d["columns"]:
            if (
                not isinstance(entry, dict)
                or entry.get("kind") not in ("numeric", "categorical")
                or not isinstance(entry.get("name"), str)
            ):
                raise argument_error("preprocessing", entry, "a column with a name and a kind", DataError)
            column = Column(
                **{k: entry[k] for k in ("name", "kind", "median", "mean", "scale", "categories") if k in entry}
            )
            numbers = (column.median, column.mean, column.scale)
            if column.kind == "numeric" and (
                not all(isinstance(v, (int, float)) and np.isfinite(v) for v in numbers) or column.scale <= 0
            ):
                raise argument_error("preprocessing", entry, "finite statistics and a positive scale", DataError)
            if column.kind == "categorical" and (
                not column.categories or len(set(column.categories)) != len(column.categories)
            ):
                raise argument_error("preprocessing", entry, "distinct categories", DataError)
            self.columns_.append(column)
        names = [c.name for c in self.columns_]
        if len(set(names)) != len(names):
            raise argument_error("preprocessing", names, "distinct column names", DataError)
        return self

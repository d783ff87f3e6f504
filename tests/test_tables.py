"""Tables with mixed columns: the preprocessing fitted by scikit-learn's own transformers, applied from
its saved statistics exactly as scikit-learn's transform applies it (the independent reference)."""

import numpy as np
import pytest

from practicalnn.data.tables import TablePreprocessor, read_table
from practicalnn.errors import ConfigError, DataError

pd = pytest.importorskip("pandas")
penguins = pytest.importorskip("palmerpenguins")


@pytest.fixture(scope="module")
def table():
    return penguins.load_penguins()


def test_transform_from_saved_statistics_equals_sklearns(table):
    train, new = table.iloc[:250], table.iloc[250:].copy()
    new.loc[new.index[0], "island"] = "Atlantis"  # a category never seen in training
    prep = TablePreprocessor().fit(train, target="species")
    expected = prep.transformer_.transform(
        prep._as_objects(new, [c.name for c in prep.columns_ if c.kind == "categorical"])
    )
    expected = expected.toarray() if hasattr(expected, "toarray") else expected
    np.testing.assert_allclose(prep.transform(new).T, expected, rtol=1e-12, atol=1e-12)
    again = TablePreprocessor.from_dict(prep.to_dict())
    np.testing.assert_array_equal(again.transform(new[list(reversed(new.columns))]), prep.transform(new))
    assert prep.transform(new)[:, 0][
        [i for i, n in enumerate(prep.feature_names_out) if n.startswith("island=")]
    ].tolist() == [0.0, 0.0, 0.0]


def test_columns_are_described_and_chosen(table):
    prep = TablePreprocessor(drop=["year"]).fit(table, target="species")
    kinds = {c.name: c.kind for c in prep.columns_}
    assert kinds == {
        "bill_length_mm": "numeric",
        "bill_depth_mm": "numeric",
        "flipper_length_mm": "numeric",
        "body_mass_g": "numeric",
        "island": "categorical",
        "sex": "categorical",
    }
    assert "sex=missing" in prep.feature_names_out  # 11 rows have no sex recorded
    assert any(line.startswith("island: categorical, one-hot over 3 categories") for line in prep.describe())
    with pytest.raises(ConfigError, match="drop"):
        TablePreprocessor(drop=["colour"]).fit(table, target="species")


def test_bad_tables_are_named(tmp_path, table):
    with pytest.raises(DataError, match="missing"):
        TablePreprocessor().fit(table.assign(empty=np.nan), target="species")
    prep = TablePreprocessor().fit(table, target="species")
    with pytest.raises(DataError, match="island"):
        prep.transform(table.drop(columns=["island"]))
    with pytest.raises(DataError, match="bill_depth_mm"):
        prep.transform(table.assign(bill_depth_mm="deep"))
    (tmp_path / "dup.csv").write_text("a,b,a\n1,2,3\n")
    with pytest.raises(DataError, match="repeated"):
        read_table(tmp_path / "dup.csv")
    (tmp_path / "fake.parquet").write_text("not parquet")
    with pytest.raises(DataError, match="Parquet"):
        read_table(tmp_path / "fake.parquet")
    (tmp_path / "bom.csv").write_bytes("\ufeffa,b\n1,x\n".encode())
    assert list(read_table(tmp_path / "bom.csv").columns) == ["a", "b"]

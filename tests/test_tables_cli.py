"""practicalnn train and predict on raw tables: the preprocessing travels in the model file, so raw rows of a
CSV or Parquet file (columns in any order) give the same predictions; bad tables are one line naming what
is wrong, and nothing is written."""

import json

import numpy as np
import pytest

from practicalnn.cli import main
from practicalnn.estimators import load

pd = pytest.importorskip("pandas")
penguins = pytest.importorskip("palmerpenguins")
pytest.importorskip("pyarrow")

TRAIN = ["--hidden", "8", "--iterations", "1500", "--learning-rate", "0.1", "--init", "he", "--record-every", "500"]


@pytest.fixture
def tables(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    frame = penguins.load_penguins()
    frame.to_csv("penguins.csv", index=False)
    frame.to_parquet("penguins.parquet")
    return frame


def _run(argv, capsys):
    capsys.readouterr()
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_train_prints_the_preprocessing_and_predict_takes_raw_rows_in_any_order(tables, capsys):
    code, out, _ = _run(
        ["train", "--dataset", "penguins.csv", "--target", "species", *TRAIN, "--save", "p.pnn"], capsys
    )
    assert code == 0
    assert "island: categorical, one-hot over 3 categories (Biscoe, Dream, Torgersen)" in out
    assert "body_mass_g: numeric, missing -> median" in out
    assert "split 60/20/20 (the notes' rule for up to 1,000,000 rows): 206 train / 69 dev / 69 test of 344 rows" in out
    tables[list(reversed(tables.columns))].to_csv("shuffled.csv", index=False)
    docs = []
    for data in ("penguins.csv", "shuffled.csv", "penguins.parquet"):
        code, out, _ = _run(["predict", "p.pnn", data, "--json"], capsys)
        assert code == 0
        docs.append(json.loads(out))
    assert docs[0]["predictions"] == docs[1]["predictions"] == docs[2]["predictions"]
    np.testing.assert_array_equal(docs[0]["probabilities"], docs[2]["probabilities"])
    truth = tables["species"].tolist()
    assert docs[0]["score"] == pytest.approx(np.mean([t == p for t, p in zip(truth, docs[0]["predictions"])]))
    assert docs[0]["score"] > 0.95 and docs[0]["classes"] == ["Adelie", "Chinstrap", "Gentoo"]
    model = load("p.pnn")
    assert [c.name for c in model.preprocessing.columns_][:2] == ["bill_length_mm", "bill_depth_mm"]


def test_numeric_labels_are_shown_as_they_were(tables, capsys):
    tables.assign(species=tables["species"].map({"Adelie": 0, "Chinstrap": 1, "Gentoo": 2})).to_csv(
        "coded.csv", index=False
    )
    assert _run(["train", "--dataset", "coded.csv", "--target", "species", *TRAIN, "--save", "c.pnn"], capsys)[0] == 0
    code, out, _ = _run(["predict", "c.pnn", "coded.csv"], capsys)
    assert code == 0 and out.split()[:5] == ["row", "prediction", "P(0)", "P(1)", "P(2)"]
    assert out.splitlines()[2].split()[1] in ("0", "1", "2")


def test_regression_standardizes_the_target_and_predicts_in_its_units(tables, capsys):
    argv = ["train", "--dataset", "penguins.parquet", "--target", "body_mass_g", "--drop", "year", *TRAIN]
    code, out, _ = _run([*argv, "--save", "m.pnn", "--json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert set(doc["regression"]) == {"train", "dev", "test"} and doc["regression"]["test"]["r2"] > 0.7
    code, out, _ = _run(["predict", "m.pnn", "penguins.csv", "--json"], capsys)
    pred = json.loads(out)
    known = tables["body_mass_g"].notna().to_numpy()
    y, p = tables["body_mass_g"].to_numpy()[known], np.asarray(pred["predictions"])[known]
    rmse = float(np.sqrt(np.mean((y - p) ** 2)))
    assert 150 < rmse < 450  # grams, in the target's own units (its std is about 800)
    assert pred["metric"] == "r2" and pred["score"] == pytest.approx(
        1 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2)
    )


@pytest.mark.parametrize(
    "change,named",
    [
        (lambda t: t.drop(columns=["island"]), "['island']"),
        (lambda t: t.assign(bill_depth_mm="deep"), "bill_depth_mm"),
    ],
)
def test_predict_names_a_missing_column_or_a_new_dtype(tables, capsys, change, named):
    assert (
        _run(["train", "--dataset", "penguins.csv", "--target", "species", *TRAIN, "--save", "p.pnn"], capsys)[0] == 0
    )
    change(tables).to_csv("bad.csv", index=False)
    code, out, err = _run(["predict", "p.pnn", "bad.csv"], capsys)
    assert code != 0 and out == "" and named in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "make,argv,named",
    [
        (lambda t: t.assign(species="Adelie"), [], "at least 2 classes"),
        (lambda t: t.assign(colour=np.nan), [], "'colour'"),
        (lambda t: t, ["--drop", "wings"], "wings"),
        (lambda t: t, ["--target", "beak"], "beak"),
    ],
)
def test_bad_tables_are_one_line_and_write_nothing(tables, capsys, tmp_path, make, argv, named):
    make(tables).to_csv("t.csv", index=False)
    base = ["train", "--dataset", "t.csv", "--target", "species", *TRAIN, "--save", "out.pnn"]
    code, _, err = _run([*base, *argv], capsys)
    assert code != 0 and named in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out.pnn").exists()


def test_a_parquet_file_that_is_not_one_is_named(tables, capsys, tmp_path):
    (tmp_path / "fake.parquet").write_text("species,island\nAdelie,Dream\n")
    code, _, err = _run(["train", "--dataset", "fake.parquet", "--target", "species", "--save", "o.pnn"], capsys)
    assert code != 0 and "Parquet" in err and "fake.parquet" in err and not (tmp_path / "o.pnn").exists()

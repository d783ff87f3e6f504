"""The estimators on real tables: pandas and polars DataFrames (feature names kept, checked at prediction as
scikit-learn checks them), and inside a Pipeline with scikit-learn's own ColumnTransformer, encoders and
imputers on the Palmer penguins, scored against scikit-learn's LogisticRegression and MLPClassifier."""

import warnings

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from practicalnn.errors import DataError
from practicalnn.estimators import NeuralNetClassifier, NeuralNetRegressor

pd = pytest.importorskip("pandas")
penguins = pytest.importorskip("palmerpenguins")

NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year"]
CATEGORICAL = ["island", "sex"]


@pytest.fixture(scope="module")
def table():
    frame = penguins.load_penguins()
    return frame.drop(columns=["species"]), frame["species"]


def _pipeline(clf):
    prep = ColumnTransformer(
        [
            (
                "categorical",
                make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(sparse_output=False)),
                CATEGORICAL,
            ),
            ("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), NUMERIC),
        ]
    )
    return make_pipeline(prep, clf)


def test_penguins_pipeline_cross_validates_as_well_as_sklearns_models(table):
    X, y = table
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MLP's and ours: max_iter reached
        ours = cross_val_score(_pipeline(NeuralNetClassifier(random_state=0)), X, y, cv=folds).mean()
        mlp = cross_val_score(_pipeline(MLPClassifier(random_state=0)), X, y, cv=folds).mean()
    logistic = cross_val_score(_pipeline(LogisticRegression()), X, y, cv=folds).mean()
    assert ours >= min(mlp, logistic) - 0.01
    assert ours > 0.97


def test_dataframes_keep_their_feature_names_pandas_and_polars(table):
    X, y = table
    X = X[["bill_length_mm", "bill_depth_mm", "flipper_length_mm"]].fillna(40.0)
    clf = NeuralNetClassifier((8,), max_iter=20, random_state=0).fit(X, y)
    assert clf.n_features_in_ == 3 and list(clf.feature_names_in_) == list(X.columns)
    assert list(clf.predict(X)[:3]) == list(clf.predict(X.to_numpy())[:3])
    with pytest.raises(DataError, match="feature names"):
        clf.predict(X[list(reversed(X.columns))])
    pl = pytest.importorskip("polars")
    again = NeuralNetClassifier((8,), max_iter=20, random_state=0).fit(pl.from_pandas(X), pl.Series(y.to_numpy()))
    assert list(again.feature_names_in_) == list(X.columns)
    np.testing.assert_array_equal(again.predict_proba(pl.from_pandas(X)), clf.predict_proba(X))
    reg = NeuralNetRegressor((8,), max_iter=5, random_state=0).fit(X.iloc[:, :2], X.iloc[:, 2])
    assert list(reg.feature_names_in_) == list(X.columns[:2])


def test_pipeline_output_names_reach_the_network(table):
    X, y = table
    pipe = _pipeline(NeuralNetClassifier((8,), max_iter=20, random_state=0)).set_output(transform="pandas")
    pipe.fit(X, y)
    names = list(pipe[-1].feature_names_in_)
    assert "categorical__island_Biscoe" in names and "numeric__body_mass_g" in names and len(names) == 10


def test_a_dataframe_with_repeated_column_names_is_named(table):
    X, y = table
    X = X[["bill_length_mm", "bill_depth_mm"]].fillna(40.0)
    X.columns = ["bill", "bill"]
    with pytest.raises(DataError, match="bill"):
        NeuralNetClassifier((4,), max_iter=2).fit(X, y)

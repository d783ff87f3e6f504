"""Input normalization (notes 10) with the training statistics only."""

import numpy as np
import pytest

from practicalnn.data.datasets import load_dataset
from practicalnn.data.scaling import Standardizer, standardize_dataset
from practicalnn.errors import DataError


def test_hand_computed_mean_and_standard_deviation():
    X = np.array([[1.0, 2.0, 3.0, 6.0], [10.0, 10.0, 10.0, 10.0]])
    s = Standardizer().fit(X)
    # row 1: mean 3, variance ((4 + 1 + 0 + 9) / 4) = 3.5, std sqrt(3.5); row 2 constant
    np.testing.assert_allclose(s.mean_, [[3.0], [10.0]])
    np.testing.assert_allclose(s.scale_, [[np.sqrt(3.5)], [1.0]])
    Z = s.transform(X)
    np.testing.assert_allclose(Z[0], (X[0] - 3) / np.sqrt(3.5))
    np.testing.assert_array_equal(Z[1], 0.0)  # centred, not divided by zero


def test_unit_variance_not_the_notes_slip():
    rng = np.random.default_rng(1)
    X = rng.normal(5.0, 30.0, size=(2, 1000))
    Z = Standardizer().fit_transform(X)
    np.testing.assert_allclose(Z.var(axis=1), 1.0, atol=1e-12)  # /std gives variance 1
    np.testing.assert_allclose(Z.mean(axis=1), 0.0, atol=1e-12)
    wrong = (X - X.mean(axis=1, keepdims=True)) / X.var(axis=1, keepdims=True)
    assert wrong.var(axis=1).max() < 0.01  # /variance would not


def test_dev_and_test_use_training_statistics():
    train = np.array([[0.0, 2.0, 4.0]])
    test = np.array([[100.0]])
    s = Standardizer().fit(train)
    # mean 2, std sqrt(8/3): (100 - 2) / sqrt(8/3)
    assert s.transform(test)[0, 0] == pytest.approx(98 / np.sqrt(8 / 3))


def test_inverse_and_round_trip_through_dict():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(3, 20)) * [[1], [1e3], [1e-3]]
    s = Standardizer().fit(X)
    np.testing.assert_allclose(s.inverse_transform(s.transform(X)), X)
    t = Standardizer.from_dict(s.to_dict())
    np.testing.assert_array_equal(t.transform(X), s.transform(X))
    assert isinstance(s.to_dict()["mean"], list)


def test_errors():
    with pytest.raises(DataError, match="fit"):
        Standardizer().transform(np.ones((2, 3)))
    s = Standardizer().fit(np.ones((2, 3)))
    with pytest.raises(DataError, match="2 rows"):
        s.transform(np.ones((3, 3)))
    with pytest.raises(DataError):
        Standardizer().fit(np.array([[1.0, np.nan]]))
    with pytest.raises(DataError):
        Standardizer.from_dict({"mean": [0.0], "scale": [0.0]})


def test_standardize_dataset_fits_on_train_only():
    d = load_dataset("breast_cancer")
    d2, s = standardize_dataset(d)
    np.testing.assert_allclose(d2.train_X.mean(axis=1), 0.0, atol=1e-10)
    np.testing.assert_allclose(s.mean_[:, 0], d.train_X.mean(axis=1))
    np.testing.assert_allclose(d2.dev_X, (d.dev_X - d.train_X.mean(axis=1, keepdims=True)) / s.scale_)
    assert abs(d2.test_X.mean()) > 1e-6  # the test set is not re-centred on itself


def test_tiny_but_real_spread_is_scaled_and_rounding_noise_is_not():
    X = np.array([[1e-13, 3e-13, 5e-13], [0.1 + 0.2, 0.3, 0.30000000000000004]])
    s = Standardizer().fit(X)
    assert s.scale_[0, 0] == pytest.approx(np.sqrt(8 / 3) * 1e-13)  # a real feature on a tiny scale
    assert s.scale_[1, 0] == 1.0  # 0.3 up to rounding: constant

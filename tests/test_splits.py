"""Train/dev/test splits (notes 2) and the dev-vs-test distribution check."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from practicalnn.data.datasets import load_dataset
from practicalnn.data.splits import default_ratios, same_distribution, train_dev_test_split, with_dev
from practicalnn.errors import ConfigError, DataError


def _data(m, n_x=3):
    X = np.arange(n_x * m, dtype=float).reshape(n_x, m)
    Y = (np.arange(m) % 4 == 0).astype(float).reshape(1, m)
    return X, Y


@pytest.mark.parametrize(
    "m, expected", [(100, (0.6, 0.2, 0.2)), (1_000_000, (0.6, 0.2, 0.2)), (1_000_001, (0.98, 0.01, 0.01))]
)
def test_default_ratios_follow_the_notes(m, expected):
    assert default_ratios(m) == expected


def test_fewer_than_100_examples_need_explicit_ratios():
    X, Y = _data(99)
    with pytest.raises(DataError, match="ratios"):
        train_dev_test_split(X, Y)
    s = train_dev_test_split(X, Y, ratios=(0.5, 0.25, 0.25))
    assert s.sizes() == {"train": 49, "dev": 25, "test": 25}


def test_sizes_partition_and_columns_stay_whole():
    X, Y = _data(500)
    s = train_dev_test_split(X, Y, seed=3)
    assert s.sizes() == {"train": 300, "dev": 100, "test": 100}
    every = np.concatenate([s.indices[p] for p in ("train", "dev", "test")])
    assert sorted(every.tolist()) == list(range(500))  # a partition: nothing lost or repeated
    # each column keeps its features and its label together
    for Xp, Yp, part in ((s.X_train, s.Y_train, "train"), (s.X_dev, s.Y_dev, "dev")):
        np.testing.assert_array_equal(Xp, X[:, s.indices[part]])
        np.testing.assert_array_equal(Yp, Y[:, s.indices[part]])
    X_tr, Y_tr, X_dev, Y_dev, X_te, Y_te = s  # unpacks as six arrays
    assert X_te.shape == (3, 100)


def test_seeded_and_different_seeds_differ():
    X, Y = _data(200)
    a, b, c = (train_dev_test_split(X, Y, seed=s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a.X_dev, b.X_dev)
    assert not np.array_equal(a.X_dev, c.X_dev)


def test_stratification_keeps_class_proportions():
    X, Y = _data(400)  # 25% positives
    s = train_dev_test_split(X, Y, stratify=True, seed=0)
    for part in (s.Y_train, s.Y_dev, s.Y_test):
        assert part.mean() == pytest.approx(0.25)


def test_bad_ratios_are_refused():
    X, Y = _data(200)
    for ratios in [(0.5, 0.5), (0.7, 0.2, 0.2), (0.8, 0.0, 0.2), (1.2, -0.1, -0.1)]:
        with pytest.raises(ConfigError, match="ratios"):
            train_dev_test_split(X, Y, ratios=ratios)
    with pytest.raises(DataError):
        train_dev_test_split(X, Y[:, :10])


def test_with_dev_carves_dev_from_train_only():
    d = load_dataset("moons")
    d2 = with_dev(d, 0.25, seed=0)
    assert d2.train_X.shape[1] + d2.dev_X.shape[1] == d.train_X.shape[1]
    np.testing.assert_array_equal(d2.test_X, d.test_X)
    assert with_dev(d2, 0.5) is d2


def test_same_distribution_flags_a_shifted_test_set_and_names_the_feature():
    rng = np.random.default_rng(0)
    dev = rng.normal(size=(4, 200))
    test = rng.normal(size=(4, 200))
    alike = same_distribution(dev, test, seed=0)
    assert abs(alike.auc - 0.5) < 0.12 and not alike.mismatch
    test[2] += 2.0  # the third feature moves by two standard deviations
    shifted = same_distribution(dev, test, feature_names=["a", "b", "c", "d"], seed=0)
    assert shifted.auc > 0.85 and shifted.mismatch
    assert shifted.separating[0][0] == "c"
    assert "c" in shifted.message()


@settings(max_examples=40, deadline=None)
@given(
    m=st.integers(4, 400),
    dev=st.floats(0.05, 0.4),
    test=st.floats(0.0, 0.4),
    stratify=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_split_is_a_partition_close_to_the_ratios(m, dev, test, stratify, seed):
    X, Y = _data(m, n_x=2)
    ratios = (1 - dev - test, dev, test)
    n_groups = 2 if stratify else 1  # rounding happens once per class
    if m * ratios[0] < 4 * n_groups or m * dev < 2 * n_groups:
        return  # parts that may round to nothing: refused with DataError, tested above
    s = train_dev_test_split(X, Y, ratios=ratios, stratify=stratify, seed=seed)
    every = np.concatenate([s.indices[p] for p in ("train", "dev", "test")])
    assert sorted(every.tolist()) == list(range(m))
    assert abs(s.sizes()["dev"] - m * dev) <= n_groups
    assert abs(s.sizes()["test"] - m * test) <= n_groups


def test_an_empty_dev_part_is_refused():
    X, Y = _data(10)
    with pytest.raises(DataError, match="dev part"):
        train_dev_test_split(X, Y, ratios=(0.9, 0.04, 0.06))

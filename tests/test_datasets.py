"""Datasets: the shipped moons are exactly what scikit-learn draws for the notebook."""

import numpy as np

from practicalnn import load_dataset, load_moons
from practicalnn.data.datasets import draw_moons


def test_shipped_moons_equal_a_fresh_draw():
    train_X, test_X, train_Y, test_Y = draw_moons()
    d = load_moons()
    for shipped, fresh in ((d.train_X, train_X.T), (d.test_X, test_X.T), (d.train_Y, train_Y.T), (d.test_Y, test_Y.T)):
        assert shipped.dtype == fresh.dtype and shipped.shape == fresh.shape
        np.testing.assert_array_equal(shipped, fresh)
    assert d.train_X.shape == (2, 134) and d.test_X.shape == (2, 66)
    assert d.train_X.flags.f_contiguous  # the notebook's layout: the transpose of a (134, 2) array


def test_builtin_datasets_have_their_shapes():
    assert load_dataset("circles").train_X.shape == (2, 300)
    digits = load_dataset("digits")
    assert digits.n_x == 64 and digits.n_y == 10 and digits.output == "softmax" and digits.dev_X is not None
    cancer = load_dataset("breast_cancer")
    assert cancer.n_x == 30 and cancer.output == "sigmoid"
    total = cancer.train_X.shape[1] + cancer.dev_X.shape[1] + cancer.test_X.shape[1]
    assert total == 569 and abs(cancer.train_X.shape[1] / total - 0.6) < 0.01

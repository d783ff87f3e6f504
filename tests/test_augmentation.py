"""Data augmentation (notes 9): transforms checked against hand-made images; training batches only."""

import numpy as np
import pytest

from practicalnn.core.network import Network
from practicalnn.errors import ConfigError, DataError
from practicalnn.regularization.augmentation import (
    Augmentation,
    GaussianJitter,
    HorizontalFlip,
    RandomRotation,
    RandomShift,
    _resample,
    augmentation_from,
)
from practicalnn.regularization.early_stopping import EarlyStopping
from practicalnn.training.trainer import TrainConfig, Trainer

H, W, C = 4, 5, 2


def _images(m, seed=0):
    imgs = np.random.default_rng(seed).random((m, H, W, C))
    return imgs, imgs.reshape(m, -1).T  # columns are (H, W, C) images flattened in C order


def test_jitter_adds_noise_of_the_given_sigma_and_is_seeded():
    X = np.zeros((3, 20000))
    out = GaussianJitter(0.2)(X, np.random.default_rng(1))
    assert abs(out.std() - 0.2) < 0.005 and abs(out.mean()) < 0.005
    a = Augmentation([GaussianJitter(0.2)], seed=5)(X)
    b = Augmentation([GaussianJitter(0.2)], seed=5)(X)
    np.testing.assert_array_equal(a, b)


def test_flip_mirrors_left_to_right():
    imgs, X = _images(3)
    out = HorizontalFlip((H, W, C), p=1.0)(X, np.random.default_rng(0))
    back = out.T.reshape(3, H, W, C)
    for k in range(3):
        for w in range(W):
            np.testing.assert_array_equal(back[k, :, w, :], imgs[k, :, W - 1 - w, :])
    same = HorizontalFlip((H, W, C), p=0.0)(X, np.random.default_rng(0))
    np.testing.assert_array_equal(same, X)


def _shifted(img, dy, dx):
    out = np.zeros_like(img)
    for i in range(H):
        for j in range(W):
            if 0 <= i - dy < H and 0 <= j - dx < W:
                out[i, j] = img[i - dy, j - dx]
    return out


def test_shift_moves_each_image_by_whole_pixels_with_zero_fill():
    imgs, X = _images(30)
    out = RandomShift((H, W, C), max_shift=1)(X, np.random.default_rng(2)).T.reshape(30, H, W, C)
    found = set()
    for k in range(30):
        matches = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if np.allclose(out[k], _shifted(imgs[k], dy, dx))]
        assert matches, f"image {k} is not a 1-pixel shift of its input"
        found.add(matches[0])
    assert len(found) > 4  # the shifts vary from image to image


def test_rotation_by_a_quarter_turn_is_rot90_and_zero_is_identity():
    img = np.random.default_rng(3).random((1, 5, 5, 1))
    quarter = _resample(img, np.array([np.pi / 2]), np.zeros(1), np.zeros(1))
    np.testing.assert_allclose(quarter[0, :, :, 0], np.rot90(img[0, :, :, 0], -1), atol=1e-12)
    _, X = _images(4)
    np.testing.assert_allclose(RandomRotation((H, W, C), 0.0)(X, np.random.default_rng(0)), X, atol=1e-12)
    small = RandomRotation((H, W, C), 10.0)(X, np.random.default_rng(0))
    assert small.shape == X.shape and not np.allclose(small, X)


def test_errors():
    with pytest.raises(DataError, match="rows"):
        HorizontalFlip((H, W, C))(np.zeros((7, 2)), np.random.default_rng(0))
    with pytest.raises(ConfigError, match="image_shape"):
        augmentation_from(flip=True)
    with pytest.raises(ConfigError, match="sigma"):
        GaussianJitter(-1)
    assert augmentation_from() is None


def test_applied_to_training_batches_only_never_to_dev():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(3, 40)), (rng.random((1, 40)) > 0.5).astype(float)
    X_dev, Y_dev = rng.normal(size=(3, 15)), (rng.random((1, 15)) > 0.5).astype(float)
    widths = []

    def spy(Xb, rng):
        widths.append(Xb.shape[1])
        return Xb + 1000.0  # an absurd change: if dev saw it, the dev curve would show it

    net = Network([3, 4, 1])
    aug = Augmentation([spy], seed=0)
    es = EarlyStopping(X_dev, Y_dev, every=5, patience=100)
    t = Trainer(
        net, TrainConfig(learning_rate=0.01, iterations=20, batch_size=16, record_every=5), rng=0, callbacks=[aug, es]
    )
    net.initialize("he", t.streams.init)
    t.fit(X, Y)
    assert widths and set(widths) <= {16, 8}  # mini-batches of the 40 training columns only
    assert t.augment is None  # detached after training
    its, dev = t.history.curves["dev_cost"]
    assert net.cost_on(X_dev, Y_dev)[1] == pytest.approx(
        dev[-1] if t.history.best_iteration == its[-1] else min(dev), rel=1e-9
    )

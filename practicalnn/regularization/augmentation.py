"""Data augmentation (notes 9): new training examples made from old ones, as a regularizer.

Transforms are small callables ``transform(X, rng) -> X`` on (n_x, m) batches; ``Augmentation``
chains them with its own seeded Generator and hooks into the trainer, which applies it to each
training batch only. Dev and test data never pass through it: the trainer sees the training set
alone, and evaluation (early stopping, scores) calls the network directly.

Image transforms take columns that are (H, W, C) images flattened in C order (row by row,
channels last), as ``image.reshape(-1)`` makes them.
"""

from __future__ import annotations

import numpy as np

from ..core.random import generator
from ..errors import DataError, argument_error
from ..training.callbacks import Callback
from ..validation import Integral, Interval, Real, check


def _shape(image_shape):
    try:
        H, W, C = (int(v) for v in image_shape)
    except (TypeError, ValueError):
        raise argument_error("image_shape", image_shape, "(height, width, channels)") from None
    if min(H, W, C) < 1:
        raise argument_error("image_shape", image_shape, "positive (height, width, channels)")
    return H, W, C


def _images(X, shape):
    H, W, C = shape
    if X.shape[0] != H * W * C:
        raise argument_error(
            "X", f"array of shape {X.shape}", f"{H * W * C} rows: ({H}, {W}, {C}) images flattened", DataError
        )
    return X.T.reshape(-1, H, W, C)


def _columns(images, dtype):
    return images.reshape(images.shape[0], -1).T.astype(dtype, copy=False)


class GaussianJitter:
    """Add N(0, sigma^2) noise to every feature (tabular or 2-D data; sigma in input units, so
    standardize first to make one sigma fit all features)."""

    def __init__(self, sigma=0.05):
        self.sigma = check("sigma", sigma, Interval(Real, 0, None))

    def __call__(self, X, rng):
        return X + rng.normal(0.0, self.sigma, size=X.shape).astype(X.dtype, copy=False)

    def __repr__(self):
        return f"GaussianJitter(sigma={self.sigma:g})"


class HorizontalFlip:
    """Mirror each image left to right with probability ``p``."""

    def __init__(self, image_shape, p=0.5):
        self.shape = _shape(image_shape)
        self.p = check("p", p, Interval(Real, 0, 1))

    def __call__(self, X, rng):
        images = _images(X, self.shape).copy()
        flip = rng.random(images.shape[0]) < self.p
        images[flip] = images[flip, :, ::-1, :]
        return _columns(images, X.dtype)

    def __repr__(self):
        return f"HorizontalFlip(p={self.p:g})"


def _resample(images, angles, dy, dx):
    """Each image rotated by ``angles`` (radians, about its centre) and shifted by (dy, dx)
    pixels, sampled bilinearly; pixels from outside the image are 0."""
    m, H, W, C = images.shape
    cy, cx = (H - 1) / 2, (W - 1) / 2
    i, j = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
    cos, sin = np.cos(angles)[:, None, None], np.sin(angles)[:, None, None]
    # output (i, j) takes the source point that the rotation and shift carry onto it
    u = i[None] - cy - dy[:, None, None]
    v = j[None] - cx - dx[:, None, None]
    ys = cos * u - sin * v + cy
    xs = sin * u + cos * v + cx
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    wy, wx = ys - y0, xs - x0
    out = np.zeros_like(images, dtype=float)
    n = np.arange(m)[:, None, None]
    for oy, ox, w in ((0, 0, (1 - wy) * (1 - wx)), (0, 1, (1 - wy) * wx), (1, 0, wy * (1 - wx)), (1, 1, wy * wx)):
        yy, xx = y0 + oy, x0 + ox
        inside = (yy >= 0) & (yy < H) & (xx >= 0) & (xx < W)
        pixels = images[n, np.clip(yy, 0, H - 1), np.clip(xx, 0, W - 1)]
        out += (w * inside)[..., None] * pixels
    return out


class RandomShift:
    """Shift each image by a whole number of pixels drawn uniformly in [-max_shift, max_shift] on
    each axis (a new position, notes 9); the uncovered border is 0."""

    def __init__(self, image_shape, max_shift=1):
        self.shape = _shape(image_shape)
        H, W, _ = self.shape
        self.max_shift = check("max_shift", max_shift, Interval(Integral, 0, None))
        if self.max_shift >= min(H, W):  # every pixel could leave the image: blank examples
            raise argument_error("max_shift", max_shift, f"a shift smaller than the image side ({H} x {W} pixels)")

    def __call__(self, X, rng):
        images = _images(X, self.shape)
        m, H, W, _ = images.shape
        s = self.max_shift
        dy = rng.integers(-s, s + 1, m)
        dx = rng.integers(-s, s + 1, m)
        # whole pixels: output (i, j) is the source pixel (i - dy, j - dx), read from a copy with a
        # border of s zeros (what a resampling would give, in one gather instead of four)
        padded = np.pad(images, ((0, 0), (s, s), (s, s), (0, 0)))
        rows = np.arange(H)[None, :, None] + s - dy[:, None, None]
        cols = np.arange(W)[None, None, :] + s - dx[:, None, None]
        return _columns(padded[np.arange(m)[:, None, None], rows, cols], X.dtype)

    def __repr__(self):
        return f"RandomShift(max_shift={self.max_shift})"


class RandomRotation:
    """Rotate each image about its centre by an angle drawn uniformly in [-max_degrees, max_degrees]."""

    def __init__(self, image_shape, max_degrees=10.0):
        self.shape = _shape(image_shape)
        self.max_degrees = check("max_degrees", max_degrees, Interval(Real, 0, 180))

    def __call__(self, X, rng):
        images = _images(X, self.shape)
        m = images.shape[0]
        angles = np.deg2rad(rng.uniform(-self.max_degrees, self.max_degrees, m))
        return _columns(_resample(images, angles, np.zeros(m), np.zeros(m)), X.dtype)

    def __repr__(self):
        return f"RandomRotation(max_degrees={self.max_degrees:g})"


class Augmentation(Callback):
    """A chain of transforms with its own seeded randomness, applied to training batches.

    Pass it among a Trainer's callbacks: it attaches itself at the start of training (the
    trainer then calls it on every training batch) and detaches at the end.

    Parameters
    ----------
    transforms : sequence of callables ``(X, rng) -> X``
        Applied in order.
    seed : int or numpy.random.Generator
        The augmentation's randomness (separate from weights, dropout and shuffles).
    """

    def __init__(self, transforms, seed=0):
        self.transforms = list(transforms)
        for t in self.transforms:
            if not callable(t):
                raise argument_error("transforms", t, "callables transform(X, rng) -> X")
        self.rng = generator(seed)

    def __call__(self, X):
        for t in self.transforms:
            X = t(X, self.rng)
        return X

    def on_train_begin(self, trainer):
        trainer.augment = self

    def on_train_end(self, trainer):
        trainer.augment = None

    def state_dict(self):
        """The generator's state: a resumed run draws the transforms the uninterrupted one would."""
        return {"rng": self.rng.bit_generator.state}

    def load_state_dict(self, state):
        self.rng.bit_generator.state = state["rng"]

    def __repr__(self):
        return f"Augmentation({self.transforms!r})"


def augmentation_from(*, jitter=0.0, flip=False, shift=0, rotate=0.0, image_shape=None, seed=0):
    """An Augmentation from plain settings (the CLI's flags), or None when every one is off."""
    transforms = []
    if (flip or shift or rotate) and image_shape is None:
        raise argument_error(
            "image_shape", None, "(H, W, C) for flips, shifts and rotations: an image dataset like digits"
        )
    if flip:
        transforms.append(HorizontalFlip(image_shape))
    if shift:
        transforms.append(RandomShift(image_shape, shift))
    if rotate:
        transforms.append(RandomRotation(image_shape, rotate))
    if jitter:
        transforms.append(GaussianJitter(jitter))
    return Augmentation(transforms, seed) if transforms else None

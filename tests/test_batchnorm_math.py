"""Batch normalization's forward and backward passes against a numerical derivative (central differences)
and against the course's formulas computed directly."""

import numpy as np
import pytest

from practicalnn.core.batchnorm import RunningStats, normalize, normalize_backward, normalize_inference
from practicalnn.errors import ConfigError, DataError


def _numeric(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        hi = f()
        x[i] = old - eps
        lo = f()
        x[i] = old
        g[i] = (hi - lo) / (2 * eps)
    return g


def test_forward_is_the_courses_formula():
    rng = np.random.default_rng(0)
    Z, gamma, beta = rng.normal(size=(3, 7)) * 5 + 2, rng.normal(size=(3, 1)), rng.normal(size=(3, 1))
    Zt, cache = normalize(Z, gamma, beta, 1e-8)
    mu = Z.sum(axis=1, keepdims=True) / 7
    var = ((Z - mu) ** 2).sum(axis=1, keepdims=True) / 7
    np.testing.assert_allclose(Zt, gamma * (Z - mu) / np.sqrt(var + 1e-8) + beta, rtol=1e-12)
    np.testing.assert_allclose(cache.Z_norm.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(cache.Z_norm.var(axis=1), 1, rtol=1e-6)


def test_backward_matches_central_differences():
    rng = np.random.default_rng(1)
    n, m = 4, 9
    Z, gamma, beta, G = (
        rng.normal(size=(n, m)),
        rng.normal(size=(n, 1)),
        rng.normal(size=(n, 1)),
        rng.normal(size=(n, m)),
    )

    def J():  # any differentiable function of Z_tilde: a fixed linear one has dJ/dZ_tilde = G
        return float(np.sum(G * normalize(Z, gamma, beta)[0]))

    _, cache = normalize(Z, gamma, beta)
    dZ, dgamma, dbeta = normalize_backward(m * G, gamma, cache)  # the engine's scale: m * dJ/dZ_tilde
    np.testing.assert_allclose(dZ / m, _numeric(J, Z), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dgamma, _numeric(J, gamma), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dbeta, _numeric(J, beta), rtol=1e-6, atol=1e-8)


def test_a_batch_of_one_is_refused_rather_than_divided_by_epsilon():
    with pytest.raises(DataError, match="batch_size"):
        normalize(np.ones((2, 1)), np.ones((2, 1)), np.zeros((2, 1)))


def test_running_averages_are_exponentially_weighted():
    stats = RunningStats({1: 2}, decay=0.9)
    for mu in (1.0, 3.0):
        Z = np.array([[mu - 1, mu + 1], [0.0, 0.0]])
        _, cache = normalize(Z, np.ones((2, 1)), np.zeros((2, 1)))
        stats.update(1, cache)
    assert stats.mean[1][0, 0] == pytest.approx(0.9 * (0.9 * 0 + 0.1 * 1.0) + 0.1 * 3.0)
    assert stats.var[1][0, 0] == pytest.approx(0.9 * (0.9 * 1 + 0.1 * 1.0) + 0.1 * 1.0)
    out = normalize_inference(np.array([[2.0], [0.0]]), np.ones((2, 1)), np.zeros((2, 1)), stats.mean[1], stats.var[1])
    assert out[0, 0] == pytest.approx((2.0 - stats.mean[1][0, 0]) / np.sqrt(stats.var[1][0, 0] + 1e-8))
    with pytest.raises(ConfigError, match="bn_decay"):
        RunningStats({1: 2}, decay=1.0)

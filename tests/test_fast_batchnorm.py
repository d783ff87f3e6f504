"""Batch normalization on the compiled mini-batch kernel against the reference NumPy path (itself
gradient-checked and matched to torch in test_batchnorm_math.py): the same costs, parameters, running
averages and predictions to rounding, for every activation, output and optimizer, some layers or all
normalized, float32 as float64; the same divergence; a bit-identical resume."""

import numpy as np
import pytest

from practicalnn import fast
from practicalnn.core.network import Network
from practicalnn.errors import DataError, TrainingDiverged
from practicalnn.training.fast_path import why_not
from practicalnn.training.trainer import TrainConfig, Trainer

pytest.importorskip("numba")

N_OUT = {"sigmoid": 1, "softmax": 3, "identity": 2}


def _data(m=70, output="sigmoid", dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, m)) * [[1.0], [3.0], [0.2]] + [[0.5], [-2.0], [1.0]]  # far from unit scale
    if output == "sigmoid":
        Y = (X[0] + X[1] ** 2 > 3).astype(float).reshape(1, -1)
    elif output == "softmax":
        Y = rng.integers(0, 3, m).reshape(1, -1)
    else:
        Y = np.vstack([X[0] * 2 - X[1], np.sin(X[2])])
    return X.astype(dtype), Y


def _fit(fast_path, X, Y, sizes=(3, 6, 4), output="sigmoid", activation="relu", batch_norm=True, dtype=np.float64,
         rng=4, **config):  # fmt: skip
    net = Network([*sizes, N_OUT[output]], activation, output, dtype, batch_norm=batch_norm)
    settings = {"learning_rate": 0.05, "iterations": 120, "batch_size": 16, "record_every": 3, **config}
    trainer = Trainer(net, TrainConfig(**settings), rng=rng)
    net.initialize("he", trainer.streams.init)
    if fast_path:
        assert why_not(trainer) is None
        trainer.fit(X, Y)
    else:
        with fast.disabled():
            trainer.fit(X, Y)
    return net, trainer


def _assert_same(a, b, X, rtol=1e-9):
    (net_a, tr_a), (net_b, tr_b) = a, b
    assert tr_a.history.iterations == tr_b.history.iterations and tr_a.iteration == tr_b.iteration
    np.testing.assert_allclose(tr_a.history.cost, tr_b.history.cost, rtol=rtol, atol=0)
    np.testing.assert_allclose(tr_a.history.cost_unpenalized, tr_b.history.cost_unpenalized, rtol=rtol, atol=0)
    np.testing.assert_allclose(net_a.params, net_b.params, rtol=1e-7, atol=1e-10)
    for got, want in zip(net_a.running.flat(), net_b.running.flat()):
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(net_a.predict_proba(X), net_b.predict_proba(X), rtol=1e-7, atol=1e-10)


CASES = [
    (act, out, flags)
    for act in ("relu", "leaky_relu", "tanh", "sigmoid")
    for out in ("sigmoid", "softmax", "identity")
    for flags in (True, [False, True])
]


@pytest.mark.parametrize("activation,output,batch_norm", CASES)
def test_kernel_matches_the_reference(activation, output, batch_norm):
    X, Y = _data(output=output)  # 70 examples: four batches of 16 and a last one of 6
    kwargs = dict(activation=activation, output=output, batch_norm=batch_norm, l2=0.3, l1=0.05)
    _assert_same(_fit(True, X, Y, **kwargs), _fit(False, X, Y, **kwargs), X)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "rmsprop", "adam"])
def test_every_optimizer_schedule_and_depth_matches_the_reference(optimizer):
    X, Y = _data()
    kwargs = dict(sizes=(3, 5, 5, 4, 3), optimizer=optimizer, learning_rate=0.01, lr_schedule="exponential")
    _assert_same(_fit(True, X, Y, **kwargs), _fit(False, X, Y, **kwargs), X)


def test_float32_matches_the_reference_to_float32_precision():
    X, Y = _data(m=300, output="softmax", dtype=np.float32)
    kwargs = dict(sizes=(3, 16, 8), output="softmax", dtype=np.float32, batch_size=32, iterations=60)
    (net_a, tr_a), (net_b, tr_b) = _fit(True, X, Y, **kwargs), _fit(False, X, Y, **kwargs)
    assert net_a.params.dtype == np.float32 and net_a.running.flat()[0].dtype == np.float32
    np.testing.assert_allclose(tr_a.history.cost, tr_b.history.cost, rtol=1e-5)
    np.testing.assert_allclose(net_a.params, net_b.params, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(net_a.running.flat()[1], net_b.running.flat()[1], rtol=1e-4, atol=1e-5)


def test_one_step_is_the_course_update_of_gamma_and_beta():
    """One gradient-descent step on one batch, re-derived by hand from the course's formulas (not from
    the engine): dgamma = 1/m sum dZ~ Z_norm, dbeta = 1/m sum dZ~, with dZ~ = W2.T (A2 - Y) * relu'."""
    X, Y = _data(m=16)
    net, _ = _fit(True, X, Y, sizes=(3, 4), iterations=1, learning_rate=0.5)
    start = Network([3, 4, 1], batch_norm=True)
    start.initialize("he", Trainer(start, TrainConfig(batch_size=16), rng=4).streams.init)
    W1, W2, b2 = start.W[1], start.W[2], start.b[2]
    Z = W1 @ X
    mu, var = Z.mean(axis=1, keepdims=True), Z.var(axis=1, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(var + 1e-8)
    A1 = np.maximum(Z_norm, 0)  # gamma 1, beta 0 as initialized
    A2 = 1 / (1 + np.exp(-(W2 @ A1 + b2)))
    dZ_tilde = (W2.T @ (A2 - Y)) * (Z_norm > 0)
    np.testing.assert_allclose(net.gamma[1], 1 - 0.5 * np.mean(dZ_tilde * Z_norm, axis=1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(net.beta[1], -0.5 * np.mean(dZ_tilde, axis=1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(net.running.mean[1], 0.1 * mu, rtol=1e-12)
    np.testing.assert_allclose(net.running.var[1], 0.9 + 0.1 * var, rtol=1e-12)


def test_resume_from_a_checkpoint_state_is_bit_identical():
    X, Y = _data()
    kwargs = dict(optimizer="adam", learning_rate=0.01, iterations=100)
    whole, _ = _fit(True, X, Y, **kwargs)
    net = Network([3, 6, 4, 1], batch_norm=True)
    first = Trainer(net, TrainConfig(**{"learning_rate": 0.01, "optimizer": "adam", "iterations": 37,
                                        "batch_size": 16, "record_every": 3}), rng=4)  # fmt: skip
    net.initialize("he", first.streams.init)
    first.fit(X, Y)
    state = first.state_dict()
    resumed = Network([3, 6, 4, 1], batch_norm=True)
    second = Trainer(resumed, TrainConfig(**{"learning_rate": 0.01, "optimizer": "adam", "iterations": 100,
                                             "batch_size": 16, "record_every": 3}), rng=99)  # fmt: skip
    second.load_state_dict(state)
    second.fit(X, Y)
    np.testing.assert_array_equal(resumed.params, whole.params)
    for got, want in zip(resumed.running.flat(), whole.running.flat()):
        np.testing.assert_array_equal(got, want)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_divergence_is_the_reference_divergence_with_the_last_finite_averages():
    X, Y = _data(output="identity")
    runs = []
    for fast_path in (True, False):
        net = Network([3, 8, 2], "relu", "identity", batch_norm=True)
        trainer = Trainer(net, TrainConfig(learning_rate=1e150, iterations=200, batch_size=8, record_every=1), rng=1)
        net.initialize("he", trainer.streams.init)
        with fast.disabled() if not fast_path else np.errstate(), pytest.raises(TrainingDiverged) as err:
            trainer.fit(X * 50, Y)
        runs.append((err.value, net.running.flat(), net.params.copy()))
    assert str(runs[0][0]) == str(runs[1][0]) and runs[0][0].iteration == runs[1][0].iteration
    for got, want in zip(runs[0][1], runs[1][1]):
        np.testing.assert_allclose(got, want, rtol=1e-9)
    assert np.isfinite(runs[0][2]).all()


def test_which_runs_the_kernel_serves():
    net = Network([2, 5, 1], batch_norm=True)
    assert why_not(Trainer(net, TrainConfig(batch_size=32))) is None
    assert why_not(Trainer(net, TrainConfig())).startswith("batch normalization with full batches")
    assert why_not(Trainer(net, TrainConfig(batch_size=32, keep_prob=0.8))).startswith("dropout with mini-batches")


def test_a_last_batch_of_one_is_refused_before_training():
    X, Y = _data(m=33)
    with pytest.raises(DataError, match="last batch"):
        _fit(True, X, Y)

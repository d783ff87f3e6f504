"""rng="course" against a plain re-derivation of the course's mini-batch exercise (its random_mini_batches,
initialize_parameters with He scaling, Adam with t counted per mini-batch, the cost summed over batches / m),
written here in NumPy with local RandomState objects; and its bit-identical resume."""

import numpy as np
import pytest

from practicalnn.core.network import Network
from practicalnn.errors import ConfigError
from practicalnn.training.history import History
from practicalnn.training.trainer import TrainConfig, Trainer


def _data(m=45, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(2, m))
    return X, (X[0:1] * X[1:2] > 0).astype(float)


def course_random_mini_batches(X, Y, mini_batch_size, seed):
    """The course's random_mini_batches, its np.random.seed(seed) as a local RandomState."""
    m = X.shape[1]
    permutation = list(np.random.RandomState(seed).permutation(m))
    shuffled_X, shuffled_Y = X[:, permutation], Y[:, permutation].reshape((1, m))
    batches = []
    for k in range(m // mini_batch_size):
        batches.append(
            (
                shuffled_X[:, k * mini_batch_size : (k + 1) * mini_batch_size],
                shuffled_Y[:, k * mini_batch_size : (k + 1) * mini_batch_size],
            )
        )
    if m % mini_batch_size != 0:
        start = (m // mini_batch_size) * mini_batch_size
        batches.append((shuffled_X[:, start:], shuffled_Y[:, start:]))
    return batches


def course_model(
    X, Y, layers_dims, learning_rate, mini_batch_size, num_epochs, seed=10, beta1=0.9, beta2=0.999, epsilon=1e-8
):
    """The course's model(..., optimizer="adam") for a relu network with a sigmoid output."""
    init = np.random.RandomState(3)
    L = len(layers_dims) - 1
    p = {}
    for l in range(1, L + 1):
        p[f"W{l}"] = init.randn(layers_dims[l], layers_dims[l - 1]) * np.sqrt(2.0 / layers_dims[l - 1])
        p[f"b{l}"] = np.zeros((layers_dims[l], 1))
    v = {k: np.zeros_like(a) for k, a in p.items()}
    s = {k: np.zeros_like(a) for k, a in p.items()}
    t, m, costs = 0, X.shape[1], []
    for _ in range(num_epochs):
        seed = seed + 1
        cost_total = 0.0
        for bx, by in course_random_mini_batches(X, Y, mini_batch_size, seed):
            A, cache = bx, [bx]
            for l in range(1, L + 1):
                Z = p[f"W{l}"] @ A + p[f"b{l}"]
                A = np.maximum(0, Z) if l < L else 1 / (1 + np.exp(-Z))
                cache.append(A)
            cost_total += np.sum(-by * np.log(A) - (1 - by) * np.log(1 - A))
            mb = bx.shape[1]
            dZ = A - by
            grads = {}
            for l in range(L, 0, -1):
                grads[f"W{l}"] = dZ @ cache[l - 1].T / mb
                grads[f"b{l}"] = np.sum(dZ, axis=1, keepdims=True) / mb
                if l > 1:
                    dZ = (p[f"W{l}"].T @ dZ) * (cache[l - 1] > 0)
            t = t + 1
            for k in p:
                v[k] = beta1 * v[k] + (1 - beta1) * grads[k]
                s[k] = beta2 * s[k] + (1 - beta2) * grads[k] ** 2
                v_corrected = v[k] / (1 - beta1**t)
                s_corrected = s[k] / (1 - beta2**t)
                p[k] = p[k] - learning_rate * v_corrected / (np.sqrt(s_corrected) + epsilon)
        costs.append(cost_total / m)
    return p, costs


def _ours(X, Y, sizes, epochs, batch, rng=("course", 10), callbacks=()):
    net = Network(sizes, "relu", "sigmoid")
    per_epoch = -(-X.shape[1] // batch)
    config = TrainConfig(
        learning_rate=0.01, iterations=epochs * per_epoch, batch_size=batch, optimizer="adam", record_every=1
    )
    trainer = Trainer(net, config, rng=rng, callbacks=callbacks)
    net.initialize("he", trainer.streams.init)
    return net, trainer, trainer.fit(X, Y)


def test_replays_the_courses_mini_batch_adam_loop():
    state = np.random.get_state()
    X, Y = _data()
    sizes = [2, 5, 3, 1]
    expected, costs = course_model(X, Y, sizes, 0.01, 16, num_epochs=6)
    net, trainer, history = _ours(X, Y, sizes, 6, 16)
    for name, value in net.parameters().items():
        np.testing.assert_allclose(value, expected[name], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(history.epoch_costs(X.shape[1], 16), costs, rtol=1e-12)
    assert trainer.optimizer_state.t == 6 * 3  # once per mini-batch
    assert trainer.streams.shuffle.seed == 16  # 10, incremented before each of the 6 epochs
    np.testing.assert_equal(np.random.get_state()[1], state[1])  # the global state is untouched


def test_the_seed_given_is_the_courses_starting_value():
    X, Y = _data()
    _, costs = course_model(X, Y, [2, 4, 1], 0.01, 16, num_epochs=2, seed=42)
    _, _, history = _ours(X, Y, [2, 4, 1], 2, 16, rng=("course", 42))
    np.testing.assert_allclose(history.epoch_costs(X.shape[1], 16), costs, rtol=1e-12)
    _, _, default = _ours(X, Y, [2, 4, 1], 2, 16, rng="course")
    _, costs10 = course_model(X, Y, [2, 4, 1], 0.01, 16, num_epochs=2)
    np.testing.assert_allclose(default.epoch_costs(X.shape[1], 16), costs10, rtol=1e-12)


def test_a_checkpoint_resumes_the_course_stream_bit_identically(tmp_path):
    from practicalnn.io.checkpoint import CheckpointWriter, Resume

    X, Y = _data()
    sizes = [2, 5, 1]
    whole, _, full = _ours(X, Y, sizes, 4, 16)
    net = Network(sizes, "relu", "sigmoid")
    half = TrainConfig(learning_rate=0.01, iterations=7, batch_size=16, optimizer="adam", record_every=1)
    t = Trainer(net, half, rng=("course", 10), callbacks=[CheckpointWriter(tmp_path / "c.ckpt", every=7)])
    net.initialize("he", t.streams.init)
    t.fit(X, Y)
    resumed = Network(sizes, "relu", "sigmoid")
    rest = TrainConfig(learning_rate=0.01, iterations=12, batch_size=16, optimizer="adam", record_every=1)
    history = Trainer(resumed, rest, rng=("course", 10), callbacks=[Resume(tmp_path / "c.ckpt")]).fit(X, Y)
    assert np.array_equal(resumed.params, whole.params)
    assert history.cost == full.cost


def test_epoch_costs_need_every_iteration_and_bad_seeds_are_refused():
    with pytest.raises(ConfigError, match="record_every"):
        History([0, 2], [1.0, 1.0], [1.0, 1.0]).epoch_costs(10, 5)
    with pytest.raises(ConfigError, match="rng"):
        Trainer(Network([2, 1]), TrainConfig(), rng=("course", -1))
    with pytest.raises(ConfigError, match="rng"):
        Trainer(Network([2, 1]), TrainConfig(), rng="coursework")

"""Batch normalization in the network: the gradient check (practicalnn's own and a plain central difference),
an independent implementation (torch float64, train-mode batch statistics), a planted bug localised, the running
averages (updated once per training step, used at prediction), the fast path's fallback, and bad input."""

import numpy as np
import pytest

import practicalnn
from practicalnn import fast
from practicalnn.core import batchnorm
from practicalnn.core.network import Network
from practicalnn.core.penalties import Penalty
from practicalnn.diagnostics.gradcheck import check_network_gradients
from practicalnn.errors import ConfigError, DataError
from practicalnn.training.trainer import TrainConfig, Trainer

ACTIVATIONS = ["relu", "leaky_relu", "tanh", "sigmoid"]


def _data(n_x=3, m=10, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_x, m)), (rng.random((1, m)) > 0.5).astype(float)


def _net(depth, activation="tanh", width=4, seed=1, **kw):
    net = Network([3] + [width] * depth + [1], activation, "sigmoid", batch_norm=True, **kw)
    net.initialize("he", np.random.default_rng(seed))
    rng = np.random.default_rng(seed + 100)  # gamma and beta away from 1 and 0, so their gradients are general
    for layer in net.normalized:
        net.gamma[layer][...] = rng.uniform(0.5, 1.5, net.gamma[layer].shape)
        net.beta[layer][...] = rng.normal(size=net.beta[layer].shape)
    return net


def test_theta_order_is_W_gamma_beta_per_normalized_layer_and_b_for_the_output():
    net = Network([2, 3, 4, 1], batch_norm=True)
    assert list(net.layout.slices) == ["W1", "gamma1", "beta1", "W2", "gamma2", "beta2", "W3", "b3"]
    assert net.params.size == 2 * 3 + 3 + 3 + 3 * 4 + 4 + 4 + 4 * 1 + 1
    assert net.b[1] is None and net.b[3] is not None
    mixed = Network([2, 3, 4, 1], batch_norm=[False, True])
    assert list(mixed.layout.slices) == ["W1", "b1", "W2", "gamma2", "beta2", "W3", "b3"]
    assert list(Network([2, 3, 1]).layout.slices) == ["W1", "b1", "W2", "b2"]  # unchanged without it


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5])
def test_gradient_check_passes_for_every_activation_and_depth(activation, depth):
    X, Y = _data()
    result = check_network_gradients(_net(depth, activation), X, Y, l2=0.3, l1=0.1)
    assert result.verdict == "correct", (result.difference, result.suspect)
    assert {"gamma1", "beta1", f"gamma{depth}", f"beta{depth}"} <= set(result.arrays)


def test_plain_central_differences_of_J_agree_with_backward():
    X, Y = _data()
    net = _net(3, "sigmoid")
    penalty = Penalty(0.2, 0.0)
    grad = net.backward(net.forward(X, training=True), Y, penalty)
    numeric = np.zeros_like(grad)
    for i in range(net.params.size):
        old = net.params[i]
        net.params[i] = old + 1e-6
        hi = net.cost(net.forward(X, training=True), Y, penalty)[0]
        net.params[i] = old - 1e-6
        lo = net.cost(net.forward(X, training=True), Y, penalty)[0]
        net.params[i] = old
        numeric[i] = (hi - lo) / 2e-6
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gradients_match_torch_float64_batch_norm(activation):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    X, Y = _data(m=9)
    net = _net(3, activation)
    grad = net.backward(net.forward(X, training=True), Y, Penalty(0.0, 0.0))
    params = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in net.parameters().items()}
    act = {
        "relu": torch.relu,
        "leaky_relu": lambda z: F.leaky_relu(z, net.hidden.slope),
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
    }[activation]
    A = torch.tensor(X.T)  # torch: rows are examples
    for layer in (1, 2, 3):
        Z = A @ params[f"W{layer}"].T
        Z = F.batch_norm(
            Z, None, None, params[f"gamma{layer}"].ravel(), params[f"beta{layer}"].ravel(), True, 0.0, net.bn_epsilon
        )
        A = act(Z)
    logits = A @ params["W4"].T + params["b4"].ravel()
    loss = F.binary_cross_entropy_with_logits(logits, torch.tensor(Y.T))
    loss.backward()
    expected = np.concatenate([params[k].grad.numpy().ravel() for k in net.layout.slices])
    np.testing.assert_allclose(grad, expected, rtol=1e-9, atol=1e-12)
    assert net.cost(net.forward(X, training=True), Y)[0] == pytest.approx(loss.item(), rel=1e-12)


def test_a_bug_in_the_backward_pass_is_called_a_bug_in_the_right_layer(monkeypatch):
    X, Y = _data()
    net = _net(3, "tanh")
    right = batchnorm.normalize_backward

    def mean_term_left_out(dZ_tilde, gamma, cache):
        dZ, dgamma, dbeta = right(dZ_tilde, gamma, cache)
        if cache is planted["cache"]:
            d_norm = dZ_tilde * gamma
            dZ = cache.inv_std * (d_norm - cache.Z_norm * np.mean(d_norm * cache.Z_norm, axis=1, keepdims=True))
        return dZ, dgamma, dbeta

    planted = {"cache": None}
    original_forward = Network.forward

    def forward(self, *args, **kwargs):  # the bug sits in layer 2's backward only
        cache = original_forward(self, *args, **kwargs)
        planted["cache"] = cache.norm.get(2)
        return cache

    monkeypatch.setattr(Network, "forward", forward)
    monkeypatch.setattr(batchnorm, "normalize_backward", mean_term_left_out)
    result = check_network_gradients(net, X, Y)
    assert result.verdict == "bug"
    assert result.suspect == "W2"  # the mean's term flows into dZ2, so W2 holds the error
    assert result.arrays["W2"]["verdict"] == "bug"
    # layer 3 and layer 2's own gamma and beta come before the faulty term: untouched
    assert all(result.arrays[a]["verdict"] != "bug" for a in ("W3", "gamma3", "beta3", "W4", "b4", "gamma2", "beta2"))


def test_running_averages_move_once_per_training_step_and_never_in_checks_or_costs(monkeypatch):
    X, Y = _data(m=12)
    net = _net(2, "relu")
    calls = []
    update = batchnorm.RunningStats.update
    monkeypatch.setattr(batchnorm.RunningStats, "update", lambda self, *a: calls.append(a[0]) or update(self, *a))
    net.forward(X, training=True)
    check_network_gradients(net, X, Y)
    net.cost_on(X, Y)
    net.evaluate(X, Y)
    net.predict(X)
    assert calls == []
    with fast.disabled():  # the reference loop (the kernel's averages are matched to it in test_fast_batchnorm)
        Trainer(net, TrainConfig(learning_rate=0.05, iterations=7, batch_size=4, record_every=1), rng=0).fit(X, Y)
    assert calls == [1, 2] * 7  # each normalized layer once per step


def test_running_average_is_the_courses_exponentially_weighted_average_of_the_batches():
    from practicalnn.training.callbacks import Callback

    X, Y = _data(m=8)
    net = _net(1, "tanh")
    weights = [net.W[1].copy()]  # W1 before each step: the statistics of step k come from weights[k]

    class Record(Callback):
        every = 1

        def on_check(self, trainer, iteration):
            weights.append(trainer.network.W[1].copy())
            return False

    Trainer(net, TrainConfig(learning_rate=0.1, iterations=5, record_every=1), rng=0, callbacks=[Record()]).fit(X, Y)
    mean, var = np.zeros((4, 1)), np.ones((4, 1))
    for W in weights[:5]:
        Z = W @ X
        mean = 0.9 * mean + 0.1 * Z.mean(axis=1, keepdims=True)
        var = 0.9 * var + 0.1 * Z.var(axis=1, keepdims=True)
    np.testing.assert_allclose(net.running.mean[1], mean, rtol=1e-12)
    np.testing.assert_allclose(net.running.var[1], var, rtol=1e-12)


def test_prediction_uses_the_running_averages():
    X, Y = _data(m=6)
    net = _net(2, "tanh")
    net.running.set_flat(np.arange(8.0) / 10, np.arange(1.0, 9.0))
    A = X
    for layer in (1, 2):
        Z = net.W[layer] @ A
        mean, var = net.running.mean[layer], net.running.var[layer]
        A = np.tanh(net.gamma[layer] * (Z - mean) / np.sqrt(var + 1e-8) + net.beta[layer])
    expected = 1 / (1 + np.exp(-(net.W[3] @ A + net.b[3])))
    np.testing.assert_allclose(net.predict_proba(X), expected, rtol=1e-12)
    one = net.predict_proba(X[:, :1])  # a single example predicts fine at test time
    np.testing.assert_allclose(one, expected[:, :1], rtol=1e-12)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "rmsprop", "adam"])
def test_trains_with_every_optimizer_dropout_and_penalties_on_the_reference_path(optimizer):
    X, Y = _data(m=40)
    net = _net(2, "relu", width=6)
    config = TrainConfig(
        learning_rate=0.01, iterations=40, batch_size=16, optimizer=optimizer, l2=0.1, l1=0.01, keep_prob=0.8
    )
    trainer = Trainer(net, config, rng=0)
    history = trainer.fit(X, Y)
    assert practicalnn.why_not(trainer).startswith("dropout with mini-batches")
    assert np.isfinite(history.cost).all() and history.stopped == "completed"


def test_l2_and_l1_apply_to_W_only():
    X, Y = _data()
    net = _net(2, "tanh")
    plain = net.backward(net.forward(X), Y, Penalty(0.0, 0.0))
    penalized = net.backward(net.forward(X), Y, Penalty(0.5, 0.2))
    changed = {
        name
        for name in net.layout.slices
        if not np.array_equal(*(net.layout.view(g, name) for g in (plain, penalized)))
    }
    assert changed == {"W1", "W2", "W3"}
    assert net.cost(net.forward(X), Y, Penalty(0.5, 0.0))[0] - net.cost(net.forward(X), Y)[0] == pytest.approx(
        0.5 / (2 * X.shape[1]) * sum(np.sum(net.W[layer] ** 2) for layer in (1, 2, 3))
    )


def test_bad_input_is_refused_naming_the_argument():
    with pytest.raises(ConfigError, match="bn_epsilon"):
        Network([2, 3, 1], batch_norm=True, bn_epsilon=0.0)
    with pytest.raises(ConfigError, match="bn_decay"):
        Network([2, 3, 1], batch_norm=True, bn_decay=1.0)
    with pytest.raises(ConfigError, match="bn_decay"):
        Network([2, 3, 1], batch_norm=True, bn_decay=-0.1)
    with pytest.raises(ConfigError, match="batch_norm"):
        Network([2, 3, 1], batch_norm=[True, False])
    X, Y = _data(m=9)
    with pytest.raises(DataError, match="batch_size=1"):
        Trainer(_net(1), TrainConfig(iterations=2, batch_size=1)).fit(X, Y)
    with pytest.raises(DataError, match="last batch"):  # 9 = 2 * 4 + 1
        Trainer(_net(1), TrainConfig(iterations=2, batch_size=4)).fit(X, Y)
    with pytest.raises(DataError, match="X=1"):
        Trainer(_net(1), TrainConfig(iterations=2)).fit(X[:, :1], Y[:, :1])


def test_model_file_and_checkpoint_round_trip_bit_identically(tmp_path):
    from practicalnn.io.checkpoint import CheckpointWriter, Resume

    X, Y = _data(m=30)
    config = TrainConfig(learning_rate=0.02, iterations=60, batch_size=8, optimizer="adam", record_every=5)
    whole = _net(2, "relu")
    Trainer(whole, config, rng=3).fit(X, Y)
    path = practicalnn.save(whole, tmp_path / "bn.pnn")
    loaded = practicalnn.load(path)
    assert loaded.network.batch_norm == [True, True]
    assert np.array_equal(loaded.predict_proba(X), whole.predict_proba(X))

    first = _net(2, "relu")
    half = TrainConfig(**{**config.to_dict(), "iterations": 25})
    Trainer(first, half, rng=3, callbacks=[CheckpointWriter(tmp_path / "run.ckpt", every=25)]).fit(X, Y)
    resumed = _net(2, "relu")
    trainer = Trainer(resumed, config, rng=3, callbacks=[Resume(tmp_path / "run.ckpt")])
    history = trainer.fit(X, Y)
    assert np.array_equal(resumed.params, whole.params)
    assert all(np.array_equal(a, b) for a, b in zip(resumed.running.flat(), whole.running.flat()))
    assert np.array_equal(resumed.predict_proba(X), whole.predict_proba(X))
    assert history.cost == Trainer(_net(2, "relu"), config, rng=3).fit(X, Y).cost


def test_a_checkpoint_of_another_batch_norm_setting_is_refused(tmp_path):
    from practicalnn.io.checkpoint import CheckpointWriter, Resume

    X, Y = _data(m=30)
    config = TrainConfig(learning_rate=0.02, iterations=10, record_every=5)
    Trainer(_net(2), config, rng=3, callbacks=[CheckpointWriter(tmp_path / "run.ckpt", every=5)]).fit(X, Y)
    other = _net(2, bn_decay=0.8)
    with pytest.raises(ConfigError, match="bn_decay"):
        Trainer(other, config, rng=3, callbacks=[Resume(tmp_path / "run.ckpt")]).fit(X, Y)


def test_torch_export_is_batch_norm1d_with_the_running_averages():
    torch = pytest.importorskip("torch")
    X, _ = _data(m=7)
    net = _net(2, "tanh")
    net.running.set_flat(np.linspace(-1, 1, 8), np.linspace(0.5, 2, 8))
    from practicalnn.io.torch_bridge import to_torch

    module = to_torch(net)
    norms = [m for m in module if isinstance(m, torch.nn.BatchNorm1d)]
    assert len(norms) == 2 and norms[0].momentum == pytest.approx(1 - net.bn_decay) and norms[0].eps == net.bn_epsilon
    with torch.no_grad():
        out = module(torch.tensor(X.T)).numpy().T
    np.testing.assert_allclose(out, net.predict_proba(X), rtol=1e-12)


def test_onnx_export_folds_batch_norm_into_the_affine_layer():
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from practicalnn.io.onnx_export import build

    X, _ = _data(m=7)
    net = _net(2, "relu")
    net.running.set_flat(np.linspace(-1, 1, 8), np.linspace(0.5, 2, 8))
    proto = build(net)
    session = ort.InferenceSession(proto.SerializeToString())
    outputs = session.run(None, {"X": X.T.astype(np.float32)})
    probs = [o for o in outputs if np.asarray(o).dtype == np.float32 and np.asarray(o).ndim == 2][-1]
    np.testing.assert_allclose(np.asarray(probs).T[-1:], net.predict_proba(X), rtol=1e-4, atol=1e-5)


def test_estimator_with_batch_norm_round_trips(tmp_path):
    from sklearn.datasets import make_moons

    from practicalnn.estimators import NeuralNetClassifier

    X, y = make_moons(120, noise=0.2, random_state=0)
    clf = NeuralNetClassifier((6, 4), batch_norm=True, max_iter=100, batch_size=32, random_state=0).fit(X, y)
    assert clf.network_.batch_norm == [True, True]
    again = practicalnn.load(practicalnn.save(clf, tmp_path / "clf.pnn"))
    assert np.array_equal(again.predict_proba(X), clf.predict_proba(X))


def test_signal_study_shows_batch_norm_keeping_a_deep_networks_activations_in_range():
    from practicalnn.diagnostics.signal import signal_propagation

    plain = signal_propagation(depth=30, width=50, init="normal", scale=10.0, activation="relu")
    normalized = signal_propagation(depth=30, width=50, init="normal", scale=10.0, activation="relu", batch_norm=True)
    assert "exploding" in plain.activation_flags
    assert not any(normalized.activation_flags)
    # relu of a unit-variance normal: std sqrt(1/2 - 1/(2 pi)) ~ 0.584 in every hidden layer
    assert all(0.4 < s < 0.8 for s in normalized.activation_std[:-1])


def test_early_stopping_reads_the_dev_cost_as_prediction_does():
    # with batch norm the dev cost must use the running averages (as predict does), not the dev set's own
    from practicalnn.regularization.early_stopping import EarlyStopping

    rng = np.random.default_rng(5)
    X, Xd = rng.normal(size=(3, 64)), rng.normal(size=(3, 40)) * 3 + 1
    Y, Yd = (X[:1] > 0).astype(float), (Xd[:1] > 1).astype(float)
    net = Network([3, 6, 1], batch_norm=True)
    es = EarlyStopping(Xd, Yd, every=10, patience=100)
    trainer = Trainer(net, TrainConfig(learning_rate=0.1, iterations=30, batch_size=16), rng=0, callbacks=[es])
    net.initialize("he", trainer.streams.init)
    history = trainer.fit(X, Y)
    # early stopping put back its best parameters: their dev cost, read as predict reads it, is the best recorded
    assert min(history.curves["dev_cost"][1]) == pytest.approx(net.evaluate(Xd, Yd)[1], rel=1e-12)


def test_early_stopping_with_batch_norm_resumes_from_a_checkpoint_bit_identically(tmp_path):
    from practicalnn.io.checkpoint import CheckpointWriter, Resume
    from practicalnn.regularization.early_stopping import EarlyStopping

    rng = np.random.default_rng(6)
    X, Xd = rng.normal(size=(3, 64)), rng.normal(size=(3, 40))
    Y, Yd = (X[:1] > 0).astype(float), (Xd[:1] > 0).astype(float)

    def run(iterations, callbacks):
        net = Network([3, 6, 1], batch_norm=True)
        es = EarlyStopping(Xd, Yd, every=10, patience=100)
        config = TrainConfig(learning_rate=0.1, iterations=iterations, batch_size=16)
        trainer = Trainer(net, config, rng=0, callbacks=[es, *callbacks])
        net.initialize("he", trainer.streams.init)
        trainer.fit(X, Y)
        return net

    whole = run(60, [])
    run(30, [CheckpointWriter(tmp_path / "c.ckpt", every=10)])
    resumed = run(60, [Resume(tmp_path / "c.ckpt")])
    np.testing.assert_array_equal(resumed.params, whole.params)
    np.testing.assert_array_equal(resumed.predict_proba(Xd), whole.predict_proba(Xd))

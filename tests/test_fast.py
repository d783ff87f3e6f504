"""The compiled fast path against the reference path: same costs (1e-9 relative), same predictions,
same divergence, same resumable state, for every setting it claims to support; clean fallback elsewhere."""

import threading

import numpy as np
import pytest

from practicalnn import fast
from practicalnn.core.network import Network
from practicalnn.data.datasets import load_moons
from practicalnn.errors import TrainingDiverged
from practicalnn.experiments.reproduce import PUBLISHED
from practicalnn.training.callbacks import Callback
from practicalnn.training.fast_path import why_not
from practicalnn.training.optimizers import state_to_dict
from practicalnn.training.trainer import TrainConfig, Trainer

pytest.importorskip("numba")


def _data(n_x=3, m=40, output="sigmoid", n_out=1, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    if output == "sigmoid":
        Y = (X[0] + X[1] ** 2 > 0.5).astype(float).reshape(1, -1)
    elif output == "softmax":
        Y = rng.integers(0, n_out, m).reshape(1, -1)
    else:
        Y = np.vstack([X[0] * 2 - X[1], np.sin(X[2])])[:n_out]
    return X, Y


def _fit(sizes, X, Y, *, activation="relu", output="sigmoid", rng=0, fast_path=True, init="he", **config):
    net = Network(sizes, activation, output)
    trainer = Trainer(
        net, TrainConfig(**{"learning_rate": 0.05, "iterations": 150, "record_every": 10, **config}), rng=rng
    )
    net.initialize(init, trainer.streams.init)
    if fast_path:
        assert why_not(trainer) is None
        history = trainer.fit(X, Y)
    else:
        with fast.disabled():
            history = trainer.fit(X, Y)
    return net, trainer, history


def _assert_same(a, b, rtol=1e-9):
    (net_a, tr_a, h_a), (net_b, tr_b, h_b) = a, b
    assert h_a.iterations == h_b.iterations
    np.testing.assert_allclose(h_a.cost, h_b.cost, rtol=rtol, atol=0)
    np.testing.assert_allclose(h_a.cost_unpenalized, h_b.cost_unpenalized, rtol=rtol, atol=0)
    np.testing.assert_allclose(net_a.params, net_b.params, rtol=1e-7, atol=1e-12)
    assert tr_a.iteration == tr_b.iteration


CASES = [
    (act, out, pen, keep, inp)
    for act in ("relu", "leaky_relu", "tanh", "sigmoid")
    for out, n_out in (("sigmoid", 1), ("softmax", 3), ("identity", 2))
    for pen in ({}, {"l2": 0.7}, {"l1": 0.3}, {"l2": 0.2, "l1": 0.1})
    for keep, inp in ((1.0, 1.0), (0.8, 1.0), ([0.7, 0.9], 0.9))
    if (pen == {} or keep == 1.0 or out == "sigmoid")
]


@pytest.mark.parametrize("activation,output,penalty,keep,input_keep", CASES)
@pytest.mark.parametrize("rng", [0, "notebook"])
def test_fast_matches_reference(activation, output, penalty, keep, input_keep, rng):
    n_out = {"sigmoid": 1, "softmax": 3, "identity": 2}[output]
    X, Y = _data(output=output, n_out=n_out)
    kwargs = dict(activation=activation, output=output, rng=rng, keep_prob=keep, input_keep_prob=input_keep, **penalty)
    fast_run = _fit([3, 6, 4, n_out], X, Y, **kwargs)
    ref_run = _fit([3, 6, 4, n_out], X, Y, fast_path=False, **kwargs)
    _assert_same(fast_run, ref_run)
    if output == "identity":  # regression: predictions are the outputs themselves
        np.testing.assert_allclose(fast_run[0].predict(X), ref_run[0].predict(X), rtol=1e-9, atol=1e-12)
    else:
        np.testing.assert_array_equal(fast_run[0].predict(X), ref_run[0].predict(X))


@pytest.mark.parametrize(
    "optimizer,extra",
    [("momentum", {}), ("rmsprop", {}), ("adam", {}), ("gd", {"decay_rate": 0.01}), ("adam", {"keep_prob": 0.8})],
)
def test_fast_optimizers_match_reference(optimizer, extra):
    X, Y = _data()
    kwargs = dict(optimizer=optimizer, learning_rate=0.01, **extra)
    a, b = _fit([3, 5, 1], X, Y, **kwargs), _fit([3, 5, 1], X, Y, fast_path=False, **kwargs)
    _assert_same(a, b)
    for key, value in state_to_dict(b[1].optimizer, b[1].optimizer_state).items():
        np.testing.assert_allclose(state_to_dict(a[1].optimizer, a[1].optimizer_state)[key], value, rtol=1e-9)


@pytest.mark.parametrize(
    "name,overrides", [("no_regularization", {}), ("l2", {"l2": 0.7}), ("dropout", {"keep_prob": 0.86})]
)
def test_notebook_experiments_match_reference(name, overrides):
    d = load_moons()
    kwargs = dict(rng="notebook", init="notebook", learning_rate=0.3, iterations=2000, record_every=100, **overrides)
    _assert_same(
        _fit([2, 20, 3, 1], d.train_X, d.train_Y, **kwargs),
        _fit([2, 20, 3, 1], d.train_X, d.train_Y, fast_path=False, **kwargs),
    )


def test_notebook_figures_on_the_fast_path():
    """The notebook's published costs and accuracies (its own printed outputs), from the fast path."""
    d = load_moons()
    for name, overrides in (("no_regularization", {}), ("l2", {"l2": 0.7}), ("dropout", {"keep_prob": 0.86})):
        net, _, h = _fit(
            [2, 20, 3, 1],
            d.train_X,
            d.train_Y,
            rng="notebook",
            init="notebook",
            learning_rate=0.3,
            iterations=30000,
            record_every=1000,
            **overrides,
        )
        costs = dict(zip(h.iterations, h.cost))
        for it, expected in PUBLISHED[name]["cost"].items():
            assert costs[it] == pytest.approx(expected, rel=1e-9)
        assert net.accuracy(d.train_X, d.train_Y) == PUBLISHED[name]["train_accuracy"]
        assert net.accuracy(d.test_X, d.test_Y) == PUBLISHED[name]["test_accuracy"]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_divergence_is_the_reference_divergence():
    X, Y = _data(output="identity", n_out=2)
    X = X * 50
    runs = []
    for fast_path in (True, False):
        with pytest.raises(TrainingDiverged) as err:
            _fit(
                [3, 8, 2],
                X,
                Y,
                output="identity",
                learning_rate=1e300,
                iterations=500,
                record_every=1,
                fast_path=fast_path,
            )
        runs.append(err.value)
    assert runs[0].iteration == runs[1].iteration
    assert str(runs[0]) == str(runs[1])
    assert runs[0].history.iterations == runs[1].history.iterations


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_divergence_keeps_last_finite_params_and_stream():
    X, Y = _data(output="identity", n_out=2)
    X = X * 50
    out = []
    for fast_path in (True, False):
        net = Network([3, 8, 2], "relu", "identity")
        trainer = Trainer(net, TrainConfig(learning_rate=5.0, iterations=500, record_every=7, keep_prob=0.9), rng=3)
        net.initialize("he", trainer.streams.init)
        ctx = fast.disabled() if not fast_path else threading.Lock()
        with ctx, pytest.raises(TrainingDiverged):
            trainer.fit(X, Y)
        out.append((net.params.copy(), trainer.iteration, trainer.streams.masks.rng.bit_generator.state))
    assert out[0][1] == out[1][1]
    assert np.all(np.isfinite(out[0][0]))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-9)
    assert out[0][2] == out[1][2]


def test_resume_from_state_dict_is_bit_identical():
    X, Y = _data()
    cfg = dict(iterations=300, keep_prob=0.8, optimizer="adam", learning_rate=0.01)
    net_a, tr_a, _ = _fit([3, 6, 1], X, Y, rng=5, **cfg)
    net_b = Network([3, 6, 1])
    tr_b = Trainer(net_b, TrainConfig(**{**cfg, "iterations": 120, "record_every": 10}), rng=5)
    net_b.initialize("he", tr_b.streams.init)
    tr_b.fit(X, Y)
    state = tr_b.state_dict()
    net_c = Network([3, 6, 1])
    tr_c = Trainer(net_c, TrainConfig(**{**cfg, "record_every": 10}), rng=99)
    tr_c.load_state_dict(state)
    tr_c.fit(X, Y)
    np.testing.assert_array_equal(net_c.params, net_a.params)
    assert tr_c.history.cost == tr_a.history.cost
    assert tr_c.streams.masks.rng.bit_generator.state == tr_a.streams.masks.rng.bit_generator.state


def test_mask_stream_left_where_the_reference_leaves_it():
    X, Y = _data()
    a = _fit([3, 6, 4, 1], X, Y, rng=7, keep_prob=0.7, input_keep_prob=0.9)
    b = _fit([3, 6, 4, 1], X, Y, rng=7, keep_prob=0.7, input_keep_prob=0.9, fast_path=False)
    assert a[1].streams.masks.rng.bit_generator.state == b[1].streams.masks.rng.bit_generator.state


class _Every(Callback):
    def __init__(self, every):
        self.every = every
        self.seen = []

    def on_check(self, trainer, iteration):
        self.seen.append((iteration, trainer.network.params.copy()))
        return iteration >= 70


def test_callbacks_see_the_same_checkpoints_and_can_stop():
    X, Y = _data()
    results = []
    for fast_path in (True, False):
        net = Network([3, 5, 1])
        cb = _Every(7)
        trainer = Trainer(net, TrainConfig(learning_rate=0.1, iterations=500, record_every=3), rng=1, callbacks=[cb])
        net.initialize("he", trainer.streams.init)
        if fast_path:
            trainer.fit(X, Y)
        else:
            with fast.disabled():
                trainer.fit(X, Y)
        results.append((cb.seen, trainer.iteration, trainer.history))
    assert [i for i, _ in results[0][0]] == [i for i, _ in results[1][0]] == list(range(7, 71, 7))
    for (_, pa), (_, pb) in zip(results[0][0], results[1][0]):
        np.testing.assert_allclose(pa, pb, rtol=1e-9)
    assert results[0][1] == results[1][1] == 70
    assert results[0][2].iterations == results[1][2].iterations


def test_interrupt_flag_is_respected_between_chunks():
    from practicalnn.training import fast_path

    X, Y = _data()
    net = Network([3, 5, 1])
    trainer = Trainer(net, TrainConfig(iterations=100))
    net.initialize("he", trainer.streams.init)
    trainer.batch_plan = type("Plan", (), {"size": None})()
    flag = threading.Event()
    flag.set()
    before = net.params.copy()
    assert fast_path.run(trainer, X, Y, 0, 100, flag) is True
    assert trainer.iteration == 0
    np.testing.assert_array_equal(net.params, before)


@pytest.mark.parametrize(
    "setup,reason",
    [
        (dict(dtype=np.float32), "float32"),
        (dict(batch_size=10, keep_prob=0.8), "dropout with mini-batches"),
        (dict(sizes=[3, 100, 100, 1]), "large network"),
        (dict(optimizer="adam", dtype=np.float32), "float32"),
        (dict(activation="tanh", keep_prob=0.8, batch_size=10), "dropout with mini-batches"),
    ],
)
def test_unsupported_runs_fall_back_to_the_reference(setup, reason):
    X, Y = _data()
    sizes = setup.pop("sizes", [3, 5, 1])
    dtype = setup.pop("dtype", np.float64)
    activation = setup.pop("activation", "relu")
    net = Network(sizes, activation, dtype=dtype)
    trainer = Trainer(net, TrainConfig(iterations=20, learning_rate=0.01, **setup), rng=0)
    net.initialize("he", trainer.streams.init)
    trainer.fit(X, Y)
    assert reason in why_not(trainer)
    assert trainer.iteration == 20 and np.isfinite(trainer.history.cost).all()
    net2 = Network(sizes, activation, dtype=dtype)
    trainer2 = Trainer(net2, TrainConfig(iterations=20, learning_rate=0.01, **setup), rng=0)
    net2.initialize("he", trainer2.streams.init)
    with fast.disabled():
        trainer2.fit(X, Y)
    np.testing.assert_array_equal(net.params, net2.params)


MB_CASES = [
    (act, out, pen)
    for act in ("relu", "leaky_relu", "tanh", "sigmoid")
    for out in ("sigmoid", "softmax", "identity")
    for pen in ({}, {"l2": 0.5, "l1": 0.2})
]


@pytest.mark.parametrize("activation,output,penalty", MB_CASES)
def test_minibatch_path_matches_reference(activation, output, penalty):
    n_out = {"sigmoid": 1, "softmax": 3, "identity": 2}[output]
    X, Y = _data(m=70, output=output, n_out=n_out)  # 70 = 4 batches of 16 and a last one of 6
    kwargs = dict(activation=activation, output=output, rng=4, batch_size=16, record_every=3, **penalty)
    a = _fit([3, 6, 4, n_out], X, Y, **kwargs)
    b = _fit([3, 6, 4, n_out], X, Y, fast_path=False, **kwargs)
    _assert_same(a, b)
    assert a[1].streams.shuffle.bit_generator.state == b[1].streams.shuffle.bit_generator.state
    np.testing.assert_array_equal(a[1].batch_plan.perm, b[1].batch_plan.perm)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "rmsprop", "adam"])
def test_minibatch_optimizers_and_decay_match_reference(optimizer):
    X, Y = _data(m=50)
    kwargs = dict(optimizer=optimizer, learning_rate=0.02, batch_size=8, decay_rate=0.3, iterations=100)
    a, b = _fit([3, 5, 1], X, Y, **kwargs), _fit([3, 5, 1], X, Y, fast_path=False, **kwargs)
    _assert_same(a, b)


def test_minibatch_float32_matches_reference_to_float32_precision():
    X, Y = _data(m=300, output="softmax", n_out=4)
    results = []
    for fast_path in (True, False):
        net = Network([3, 16, 8, 4], "relu", "softmax", np.float32)
        trainer = Trainer(net, TrainConfig(learning_rate=0.05, iterations=60, batch_size=32, record_every=5), rng=2)
        net.initialize("he", trainer.streams.init)
        if fast_path:
            assert why_not(trainer) is None
            trainer.fit(X.T.astype(np.float32).T, Y)  # a transposed (F-order) view, as from an (m, n) table
        else:
            with fast.disabled():
                trainer.fit(X.astype(np.float32), Y)
        results.append((net.params.copy(), trainer.history.cost, net.predict(X)))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-5)
    assert np.mean(results[0][2] == results[1][2]) > 0.99


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_minibatch_divergence_is_the_reference_divergence():
    X, Y = _data(output="identity", n_out=2)
    errors = []
    for fast_path in (True, False):
        with pytest.raises(TrainingDiverged) as err:
            _fit(
                [3, 8, 2],
                X * 50,
                Y,
                output="identity",
                learning_rate=1e300,
                batch_size=8,
                record_every=1,
                fast_path=fast_path,
            )
        errors.append(err.value)
    assert str(errors[0]) == str(errors[1]) and errors[0].iteration == errors[1].iteration

"""Hardening of the engine: each test here failed before its fix (see the engine branch's log)."""

import signal
import warnings

import numpy as np
import pytest

from practicalnn import fast
from practicalnn.core import memory
from practicalnn.core.network import Network
from practicalnn.data.datasets import load_dataset, read_csv
from practicalnn.data.scaling import Standardizer
from practicalnn.data.splits import with_dev
from practicalnn.errors import ConfigError, DataError, Interrupted, TrainingDiverged
from practicalnn.regularization.augmentation import GaussianJitter, RandomShift, augmentation_from
from practicalnn.regularization.early_stopping import EarlyStopping
from practicalnn.regularization.ensemble import Snapshots, snapshot_ensemble, train_ensemble
from practicalnn.training.callbacks import Callback
from practicalnn.training.fast_path import why_not as fast_path_reason
from practicalnn.training.trainer import TrainConfig, Trainer

PATHS = pytest.mark.parametrize("fast_path", [True, False], ids=["fast", "reference"])


@pytest.fixture(scope="module")
def moons():
    return with_dev(load_dataset("moons"), 0.3, seed=0)


def _trainer(d, callbacks=(), hidden=(40, 40), **config):
    net = Network([d.n_x, *hidden, d.n_y])
    t = Trainer(net, TrainConfig(**{"record_every": 100, **config}), rng=0, callbacks=list(callbacks))
    net.initialize("he", t.streams.init)
    return net, t


# -- early stopping sees the final parameters -------------------------------------------------
def test_early_stopping_checks_the_end_of_a_run_whose_length_is_not_a_multiple_of_every(moons):
    es = EarlyStopping(moons.dev_X, moons.dev_Y, every=100, patience=10)
    net, t = _trainer(moons, [es], learning_rate=0.3, iterations=99)
    h = t.fit(moons.train_X, moons.train_Y)
    plain, tp = _trainer(moons, learning_rate=0.3, iterations=99)
    tp.fit(moons.train_X, moons.train_Y)
    # the final parameters were checked (iterations 0 and 99) and, better on dev, kept
    assert h.curves["dev_cost"][0] == [0, 99]
    assert h.best_iteration == 99 and h.stopped == "completed"
    np.testing.assert_array_equal(net.params, plain.params)
    assert net.accuracy(moons.train_X, moons.train_Y) > 0.8


def test_the_estimator_with_early_stopping_keeps_a_short_run(moons):
    from practicalnn.estimators import NeuralNetClassifier

    X, y = moons.train_X.T, moons.train_Y.ravel()
    with_es = NeuralNetClassifier((16,), max_iter=9, early_stopping=True, random_state=0).fit(X, y)
    without = NeuralNetClassifier((16,), max_iter=9, random_state=0).fit(X, y)
    assert with_es.n_iter_ == 9
    assert with_es.history_.best_iteration == 9  # the end of the run is checked and is the best
    assert with_es.score(X, y) >= without.score(X, y) - 0.05


class _Counter(Callback):
    every = 100

    def __init__(self):
        self.seen = []

    def on_check(self, trainer, iteration):
        self.seen.append(iteration)
        return False


def test_every_callback_is_called_at_the_end_and_once_per_check(moons):
    counter = _Counter()
    _, t = _trainer(moons, [counter], iterations=250)
    t.fit(moons.train_X, moons.train_Y)
    assert counter.seen == [100, 200, 250]


# -- divergence that stays finite -----------------------------------------------------------------
@PATHS
def test_a_cost_grown_a_million_fold_is_divergence(moons, fast_path):
    net = Network([2, 20, 3, 1], activation="sigmoid")
    t = Trainer(net, TrainConfig(learning_rate=1e50, iterations=2000, record_every=100), rng=0)
    net.initialize("he", t.streams.init)
    if fast_path:
        assert fast_path_reason(t) is None  # the compiled kernel serves this run
        run = lambda: t.fit(moons.train_X, moons.train_Y)  # noqa: E731
    else:

        def run():
            with fast.disabled():
                return t.fit(moons.train_X, moons.train_Y)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no RuntimeWarning on the way
        with pytest.raises(TrainingDiverged, match=r"the cost grew from 0\.6\d+ to .* \(over 1e\+06 times\)") as info:
            run()
    h = info.value.history
    assert h.stopped == "diverged" and np.isfinite(h.cost).all()
    assert h.cost[-1] > 1e6 * h.cost[0]  # measured independently of the rule's code
    assert np.isfinite(net.params).all()


def test_both_paths_stop_at_the_same_iteration_with_the_same_parameters(moons):
    def run(use_fast):
        net = Network([2, 20, 3, 1], activation="sigmoid")
        t = Trainer(net, TrainConfig(learning_rate=1e8, iterations=3000, record_every=10), rng=0)
        net.initialize("he", t.streams.init)
        if use_fast:
            with pytest.raises(TrainingDiverged) as info:
                t.fit(moons.train_X, moons.train_Y)
        else:
            with fast.disabled(), pytest.raises(TrainingDiverged) as info:
                t.fit(moons.train_X, moons.train_Y)
        return info.value.iteration, net.params.copy()

    (i_fast, p_fast), (i_ref, p_ref) = run(True), run(False)
    assert i_fast == i_ref
    np.testing.assert_allclose(p_fast, p_ref, rtol=1e-9)


@pytest.mark.parametrize("lr", [1e100, 1e308])
def test_no_runtime_warning_before_the_divergence_error(moons, lr):
    net, t = _trainer(moons, hidden=(20, 3), learning_rate=lr, iterations=200)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with fast.disabled(), pytest.raises(TrainingDiverged, match="smaller learning_rate"):
            t.fit(moons.train_X, moons.train_Y)


def test_divergence_on_huge_inputs_names_the_inputs(moons):
    net, t = _trainer(moons, hidden=(20, 3), learning_rate=0.3, iterations=200)
    with pytest.raises(TrainingDiverged, match=r"the inputs reach [0-9.]+e\+300: standardize them"):
        t.fit(moons.train_X * 1e300, moons.train_Y)


def test_prediction_overflow_names_the_parameters_when_they_are_the_cause(moons):
    net = Network([2, 3, 1], output="identity")
    net.params[...] = 1e300
    with pytest.raises(DataError, match=r"network=.*parameters up to 1e\+300.*smaller learning_rate"):
        net.predict(moons.train_X)
    net.params[...] = 10.0
    with pytest.raises(DataError, match=r"X=.*values up to [0-9.]+e\+307.*standardize"):
        net.predict(moons.train_X * 1e307)


# -- the standardizer on huge features ---------------------------------------------------------------
def test_standardizer_handles_features_near_the_largest_float():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(2, 50))
    for big in (1e155, 1e200, 1e300):
        X = np.vstack([base[0] * big, base[1]])
        s = Standardizer().fit(X)
        Z = s.transform(X)
        assert np.isfinite(Z).all()
        # independent: the standardized row of the huge feature is the standardized base row
        expected = (base[0] - base[0].mean()) / base[0].std()
        np.testing.assert_allclose(Z[0], expected, rtol=1e-10, atol=1e-10)
        Standardizer.from_dict(s.to_dict())  # a fitted standardizer is always a loadable one


def test_standardizer_is_unchanged_on_ordinary_data():
    X = np.random.default_rng(1).normal(3.0, 2.0, size=(3, 40))
    s = Standardizer().fit(X)
    mean = X.mean(axis=1, keepdims=True)
    np.testing.assert_array_equal(s.mean_, mean)
    np.testing.assert_array_equal(s.scale_, np.sqrt(np.mean((X - mean) ** 2, axis=1, keepdims=True)))


# -- memory -------------------------------------------------------------------------------------------
def test_memory_estimate_counts_parameters_gradient_moments_and_activations():
    sizes = [2, 20, 3, 1]
    params = 2 * 20 + 20 + 20 * 3 + 3 + 3 + 1  # by hand
    assert memory.parameter_count(sizes) == params
    gd = memory.training_bytes(sizes, 100, np.float64, optimizer="gd")
    adam = memory.training_bytes(sizes, 100, np.float64, optimizer="adam")
    assert adam - gd == 2 * params * 8  # two moments
    assert memory.training_bytes(sizes, 200) - gd == memory.forward_bytes(sizes, 100)


def test_sizes_that_cannot_fit_are_refused_with_the_estimate(moons):
    with pytest.raises(ConfigError, match=r"needs about .* GiB of memory; this machine has .* GiB available"):
        Network([2, 100_000_000_000, 1])
    available = memory.available_bytes()
    assert available is None or available > 0
    # a network that fits, trained on more examples than fit: refused before the first update
    net = Network([2, 20_000_000, 1])
    t = Trainer(net, TrainConfig(iterations=1), rng=0)
    X = np.broadcast_to(np.zeros((2, 1)), (2, 100_000))  # no memory of its own
    with pytest.raises(ConfigError, match=r"training a network of layer_sizes \[2, 20000000, 1\] on batches of 100000"):
        t.fit(X, np.zeros((1, 100_000)))


# -- data ------------------------------------------------------------------------------------------------
def test_a_byte_order_mark_is_not_part_of_the_first_column_name(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n".encode("utf-8-sig"))
    X, y, features = read_csv(path, "a")
    assert features == ["b", "label"]
    d = load_dataset(str(path), target="label")
    assert d.feature_names == ["a", "b"]


@pytest.mark.parametrize("name", ["digits", "breast_cancer"])
def test_load_dataset_honours_the_seed(name):
    default, zero, other = load_dataset(name), load_dataset(name, seed=0), load_dataset(name, seed=1)
    np.testing.assert_array_equal(default.train_X, zero.train_X)  # seed 0 is today's split
    assert not np.array_equal(zero.train_X, other.train_X)
    assert sorted(map(tuple, zero.train_X.T.tolist() + zero.dev_X.T.tolist() + zero.test_X.T.tolist())) == sorted(
        map(tuple, other.train_X.T.tolist() + other.dev_X.T.tolist() + other.test_X.T.tolist())
    )


# -- augmentation ----------------------------------------------------------------------------------------
def test_jitter_refuses_infinity_and_shift_must_be_smaller_than_the_image():
    with pytest.raises(ConfigError, match="sigma=inf"):
        GaussianJitter(float("inf"))
    with pytest.raises(ConfigError, match="sigma=inf"):
        augmentation_from(jitter=float("inf"))
    with pytest.raises(ConfigError, match=r"max_shift=100: expected a shift smaller than the image side \(8 x 8"):
        RandomShift((8, 8, 1), 100)
    with pytest.raises(ConfigError, match="max_shift=8"):
        RandomShift((8, 8, 1), 8)
    assert RandomShift((8, 8, 1), 7).max_shift == 7


# -- ensembles ---------------------------------------------------------------------------------------------
def test_more_snapshots_than_iterations_is_refused(moons):
    with pytest.raises(ConfigError, match=r"snapshots=1000000: expected at most 50"):
        Snapshots(100, 1_000_000, 0.5)
    with pytest.raises(ConfigError, match="snapshots=1000000"):
        snapshot_ensemble(moons, 1_000_000, config=TrainConfig(iterations=100))
    assert Snapshots(100, 50, 0.5).every == 1


class _CtrlC(Callback):
    """Sends SIGINT to this process at the first check of the ``member``-th run it is given to."""

    every = 10

    def __init__(self, fire):
        self.fire = fire

    def on_check(self, trainer, iteration):
        if self.fire:
            signal.raise_signal(signal.SIGINT)
        return False


def test_an_interrupted_ensemble_raises_interrupted_with_the_finished_members(moons):
    cfg = TrainConfig(iterations=100, record_every=10)
    with pytest.raises(Interrupted) as info:
        train_ensemble(moons, 3, config=cfg, callbacks_for=lambda i: [_CtrlC(i == 1)])
    partial = info.value.partial
    assert isinstance(info.value, KeyboardInterrupt)
    assert [m.name for m in partial.members] == ["seed 0"]
    with pytest.raises(Interrupted) as info:
        snapshot_ensemble(moons, 3, config=cfg, callbacks=[_CtrlC(True)])
    assert info.value.partial is None


def test_a_mini_batch_fit_makes_no_copy_of_the_data():
    """Checking the inputs and measuring their scale read X in place: a fit of a float32 dataset on the
    mini-batch kernel allocates well under the data's size (it allocated two copies' worth before: a
    boolean array for the finite check and np.abs(X) for the scale)."""
    import tracemalloc

    X = np.random.default_rng(0).standard_normal((64, 40000), dtype=np.float32)  # 10 MB
    Y = (X[:1] > 0).astype(np.float32)
    net = Network([64, 32, 1], dtype=np.float32)
    trainer = Trainer(net, TrainConfig(learning_rate=0.01, iterations=10, batch_size=256), rng=0)
    net.initialize("he", trainer.streams.init)
    trainer.fit(X[:, :512], Y[:, :512])  # the kernel compiled or loaded outside the measure
    tracemalloc.start()
    try:
        trainer.fit(X, Y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 0.2 * X.nbytes
    assert trainer.input_scale == np.abs(X).max()

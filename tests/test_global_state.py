"""No public entry point changes the process's global state: matplotlib's backend and rcParams, open
pyplot figures, Numba's, BLAS's and PyTorch's thread counts, the logging configuration, the warning
filters and NumPy's global random state are the same after each call as before it."""

import gc
import logging
import os
import subprocess
import sys
import warnings

import matplotlib
import numpy as np
import pytest
from threadpoolctl import threadpool_info

import practicalnn
from practicalnn import notebook
from practicalnn.cli import main

numba = pytest.importorskip("numba")
try:
    import torch
except ImportError:
    torch = None

# what the entry points import on first use, imported now: an import's own side effects are not the
# entry point's doing (and happen once per process whatever the library does)
import matplotlib.pyplot as plt  # noqa: E402
import sklearn.neural_network  # noqa: E402, F401

import practicalnn.bench  # noqa: E402
import practicalnn.report.diagnostics  # noqa: E402
import practicalnn.report.generalization  # noqa: E402
import practicalnn.report.sweep  # noqa: E402

if torch is not None:  # PyTorch's optimizers import sympy, whose import adds warning filters, on first use
    torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1).step()
matplotlib.get_backend()  # pyplot resolves rcParams' "auto" backend once per process, on first use: do it now


def _loggers():
    loggers = {"": logging.root, **logging.Logger.manager.loggerDict}
    return {
        name: (lg.level, list(lg.handlers), lg.propagate, lg.disabled)
        for name, lg in loggers.items()
        if isinstance(lg, logging.Logger)
    }


def _state():
    # distributed's nodes take their log handlers off when they are collected (weakref.finalize): a
    # cluster closed earlier but not yet collected would otherwise read as a change of the loggers
    gc.collect()
    params = matplotlib.rcParams
    return {
        "backend": params._get("backend"),  # _get: reading must not resolve (and so set) the backend
        "rcParams": {key: params._get(key) for key in params},
        "figures": plt.get_fignums(),
        "numba_threads": numba.get_num_threads(),
        "torch_threads": None if torch is None else torch.get_num_threads(),
        "blas_threads": {(lib["internal_api"], lib["filepath"]): lib["num_threads"] for lib in threadpool_info()},
        "loggers": _loggers(),
        "warning_filters": list(warnings.filters),
        "random": np.random.get_state(),
        "environ": {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"},
    }


def _same_random(before, after):
    return before[0] == after[0] and np.array_equal(before[1], after[1]) and before[2:] == after[2:]


@pytest.fixture
def untouched():
    np.random.seed(12345)
    before = _state()
    yield
    after = _state()
    assert _same_random(before.pop("random"), after.pop("random"))
    # loggers first created during the call are new, not changed: compare the ones that were there
    after["loggers"] = {name: v for name, v in after["loggers"].items() if name in before["loggers"]}
    # likewise thread pools of a library first loaded during the call (torch's OpenMP, say)
    after["blas_threads"] = {k: v for k, v in after["blas_threads"].items() if k in before["blas_threads"]}
    for key in before:
        assert after[key] == before[key], key


@pytest.fixture(scope="module")
def moons():
    return practicalnn.load_moons()


def _net(d, **kw):
    net = practicalnn.Network([2, 4, 1])
    practicalnn.train(net, d.train_X, d.train_Y, iterations=20, rng=0, init="he", **kw)
    return net


def _calls(d, tmp):
    """A representative call of every public name that does work (classes through their methods)."""
    P = practicalnn
    X, Y = d.train_X, d.train_Y
    dev = P.with_dev(d, 0.25)
    small = {"hidden": (3,), "config": P.TrainConfig(learning_rate=0.1, iterations=20, record_every=5)}
    return {
        "Network": lambda: _net(d).predict(d.test_X),
        "Trainer": lambda: P.Trainer(P.Network([2, 3, 1]), P.TrainConfig(iterations=10), rng=0).fit(X, Y),
        "train": lambda: _net(d, keep_prob=0.8),
        "Initializer": lambda: P.Network([2, 3, 1]).initialize(P.Initializer("he"), np.random.default_rng(0)),
        "Penalty": lambda: P.Penalty(l2=0.1).cost([None, np.ones((2, 2))], 4),
        "load_dataset": lambda: P.load_dataset("circles"),
        "load_moons": P.load_moons,
        "load_circles": P.load_circles,
        "load_digits": P.load_digits,
        "load_breast_cancer": P.load_breast_cancer,
        "gradient_check": lambda: P.gradient_check(lambda t: float(t @ t), np.ones(3), 2 * np.ones(3)),
        "check_network_gradients": lambda: P.check_network_gradients(
            P.Network([2, 3, 1]), X, Y, keep_prob=0.8, freeze_masks=True
        ),
        "compare_initializations": lambda: P.compare_initializations(d, schemes=("zeros", "he"), iterations=20),
        "identical_units": lambda: P.identical_units(_net(d)),
        "dead_units": lambda: P.dead_units(_net(d), X),
        "signal_propagation": lambda: P.signal_propagation(depth=4, width=5, examples=8),
        "signal_study": lambda: P.signal_study(depth=4, width=5, examples=8),
        "linear_chain": lambda: P.linear_chain(depth=4),
        "check_monotonic": lambda: P.check_monotonic(P.Network([2, 3, 1]), X, Y, P.TrainConfig(iterations=20)),
        "check_monotonic_dataset": lambda: P.check_monotonic_dataset(d, config=P.TrainConfig(iterations=20)),
        "first_rise": lambda: P.first_rise([3.0, 2.0, 2.5]),
        "diagnose": lambda: P.diagnose(0.1, 0.2),
        "train_dev_test_split": lambda: P.train_dev_test_split(X, Y),
        "same_distribution": lambda: P.same_distribution(dev.dev_X, d.test_X),
        "with_dev": lambda: P.with_dev(d, 0.2),
        "Standardizer": lambda: P.Standardizer().fit(X).transform(X),
        "standardize_dataset": lambda: P.standardize_dataset(d),
        "normalization_effect": lambda: P.normalization_effect(d, **small),
        "basic_recipe": lambda: P.basic_recipe(dev, max_runs=2, settings=P.Settings(hidden=(3,), iterations=20)),
        "evaluate_run": lambda: P.evaluate_run(dev, **small),
        "EarlyStopping": lambda: _net(d, callbacks=[P.EarlyStopping(dev.dev_X, dev.dev_Y, every=5, patience=1)]),
        "Augmentation": lambda: _net(d, callbacks=[P.Augmentation([P.GaussianJitter(0.1)], seed=0)]),
        "GaussianJitter": lambda: P.GaussianJitter(0.1)(X, np.random.default_rng(0)),
        "HorizontalFlip": lambda: P.HorizontalFlip((2, 1, 1))(X, np.random.default_rng(0)),
        "RandomShift": lambda: P.RandomShift((2, 2, 1))(np.ones((4, 3)), np.random.default_rng(0)),
        "RandomRotation": lambda: P.RandomRotation((2, 1, 1))(X, np.random.default_rng(0)),
        "train_ensemble": lambda: P.train_ensemble(dev, 2, **small),
        "snapshot_ensemble": lambda: P.snapshot_ensemble(dev, 2, **small),
        "average_proba": lambda: P.average_proba([_net(d), _net(d)], X),
        "NeuralNetClassifier": lambda: P.NeuralNetClassifier((3,), max_iter=20).fit(X.T, Y.ravel()).predict(X.T),
        "NeuralNetRegressor": lambda: P.NeuralNetRegressor((3,), max_iter=20).fit(X.T, X[0]).predict(X.T),
        "save": lambda: P.save(_net(d), tmp / "model"),
        "load": lambda: P.load(P.save(_net(d), tmp / "model2")),
        "CheckpointWriter": lambda: _net(d, callbacks=[P.CheckpointWriter(tmp / "ck", every=5)]),
        "load_checkpoint": lambda: (
            _net(d, callbacks=[P.CheckpointWriter(tmp / "ck2", every=5)]),
            P.load_checkpoint(tmp / "ck2"),
        ),
        "Resume": lambda: _resume(d, tmp),
        "why_not": lambda: P.why_not(P.Trainer(P.Network([2, 3, 1]), P.TrainConfig(iterations=1))),
        "fast": lambda: P.fast.disabled().__enter__(),
        "sweep": lambda: P.sweep.sweep(d, [0.0, 0.1], [1.0], config=P.TrainConfig(iterations=20), workers=1),
        "compare_optimizers": lambda: P.compare_optimizers(optimizers=("gd", "adam"), epochs=2),
        "tune": lambda: P.tune(
            "moons",
            ["iterations=20", "learning_rate=log:0.01:1"],
            n_trials=2,
            workers=0,
            storage=f"sqlite:///{tmp / 'study.db'}",
            sampler="random",
            pruner="none",
        ),
    }


def _resume(d, tmp):
    P = practicalnn
    _net(d, callbacks=[P.CheckpointWriter(tmp / "ck3", every=5)])
    net = P.Network([2, 4, 1])
    P.train(
        net, d.train_X, d.train_Y, iterations=30, rng=0, init="he", callbacks=[P.Resume(P.load_checkpoint(tmp / "ck3"))]
    )


#: Public names that only hold data or name an error: nothing of theirs touches global state.
NO_WORK = {
    "Callback", "ConfigError", "DataError", "Dataset", "History", "ModelFileError", "PracticalNNError", "TrainConfig",
    "TrainingDiverged", "__version__", "GradCheckResult", "NetworkGradCheck", "FrozenMasks", "InitStudy", "InitRun",
    "SignalProfile", "MonotonicCheck", "Diagnosis", "Settings", "SavedNetwork", "SweepResult", "SweepCell", "notebook",
}  # fmt: skip


def test_every_public_name_is_called_or_holds_data_only(tmp_path, moons):
    calls = _calls(moons, tmp_path)
    # "sweep" is the old name of practicalnn.experiments.sweep: reachable, called, not in __all__
    assert set(practicalnn.__all__) - NO_WORK - {"fast"} == set(calls) - {"fast", "sweep"}


@pytest.mark.parametrize("name", sorted(set(practicalnn.__all__) - NO_WORK))
def test_public_entry_point_leaves_global_state_alone(name, tmp_path, moons, untouched):
    if name == "fast":
        with practicalnn.fast.disabled():
            practicalnn.train(practicalnn.Network([2, 3, 1]), moons.train_X, moons.train_Y, iterations=5, rng=0)
        return
    with np.errstate(all="ignore"):
        _calls(moons, tmp_path)[name]()


def test_notebook_functions_leave_global_state_alone(capsys, untouched):
    train_X, train_Y, test_X, test_Y = notebook.load_moons()
    params = notebook.initialize_parameters([2, 5, 3, 1])
    a3, cache = notebook.forward_propagation(train_X, params)
    notebook.compute_cost(a3, train_Y)
    notebook.compute_cost_with_regularization(a3, train_Y, params, 0.7)
    notebook.backward_propagation(train_X, train_Y, cache)
    notebook.backward_propagation_with_regularization(train_X, train_Y, cache, 0.7)
    a3, cache = notebook.forward_propagation_with_dropout(train_X, params, 0.86)
    grads = notebook.backward_propagation_with_dropout(train_X, train_Y, cache, 0.86)
    params = notebook.update_parameters(params, grads, 0.3)
    params = notebook.model(train_X, train_Y, num_iterations=2000, keep_prob=0.86, print_cost=True, plot_cost=True)
    notebook.predict(test_X, test_Y, params)
    plt.title("Model with dropout")  # the notebook's cell: title and limits on the current axes, then the plot
    plt.gca().set_xlim([-0.75, 0.40])
    notebook.plot_decision_boundary(lambda x: notebook.predict_dec(params, x.T), train_X, train_Y)
    assert "Accuracy" in capsys.readouterr().out


REPORT_RUNS = {
    "train": ["train", "--iterations", "50"],
    "train (generalization)": [
        "train",
        "--iterations",
        "200",
        "--early-stopping",
        "--normalize",
        "--target-cost",
        "0.6",
    ],
    "sweep": ["sweep", "--iterations", "20", "--workers", "1", "--l2", "0,0.7", "--keep-prob", "1"],
    "recipe": ["recipe", "--max-runs", "2", "--iterations", "20"],
    "signal": ["signal", "--depth", "4", "--width", "5", "--examples", "8", "--linear"],
    "signal (depth)": ["signal", "--depth", "4", "--width", "5", "--examples", "8"],
    "compare-init": ["compare-init", "--iterations", "20", "--schemes", "zeros,he"],
    "ensemble": ["ensemble", "--members", "2", "--iterations", "20"],
    "tune": ["tune", "--workers", "0", "--trials", "6", "--sampler", "random", "--pruner", "none",
             "--param", "learning_rate=log:0.01:1", "--param", "l2=0:1", "--param", "iterations=60"],
    "compare-optimizers": ["compare-optimizers", "--epochs", "2"],
}  # fmt: skip


@pytest.mark.parametrize("report", sorted(REPORT_RUNS))
def test_report_writers_leave_global_state_alone(report, tmp_path, capsys, untouched):
    assert main([*REPORT_RUNS[report], "--report", str(tmp_path / "r")]) == 0
    assert (tmp_path / "r" / "index.html").exists()


def test_bench_run_restores_the_thread_counts(untouched):
    from practicalnn.bench import run

    record = run(quick=True, repeats=1, threads=1, only=("w1",))
    assert record["setup"]["threads"] == 1 and record["workloads"]["W1"]["checks"]["same_results"]


def test_importing_the_plots_keeps_the_users_backend():
    """A user's svg, pdf or cairo backend survives ``import practicalnn.report.plots`` and a report,
    with no display (a fresh process: the backend is chosen once per process)."""
    code = (
        "import matplotlib; matplotlib.use({backend!r})\n"
        "import practicalnn.report.plots as p, practicalnn.notebook\n"
        "fig = p.plot_costs({{'J': ([0, 1, 2], [1.0, 0.5, 0.2])}})\n"
        "print(matplotlib.get_backend())\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND", "WAYLAND_DISPLAY")}
    for backend in ("svg", "pdf"):
        out = subprocess.run(
            [sys.executable, "-c", code.format(backend=backend)], env=env, capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == backend

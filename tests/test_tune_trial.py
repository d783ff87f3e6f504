"""A trial is a pure function: rungs continue bit for bit, the same on any worker or in-process, and
it is the run `practicalnn train` makes with the flags of its command line."""

import numpy as np
import pytest

pytest.importorskip("optuna")
pytest.importorskip("distributed")

from practicalnn.data.datasets import load_moons
from practicalnn.data.splits import with_dev
from practicalnn.experiments.tune import prepare_data, run_rung, train_command, train_trial
from practicalnn.regularization.early_stopping import EarlyStopping
from practicalnn.training.run import fit_dataset
from practicalnn.training.trainer import TrainConfig

PARAMS = {
    "learning_rate": 0.05,
    "iterations": 300,
    "l2": 0.1,
    "keep_prob": 0.8,
    "optimizer": "adam",
    "batch_size": 32,
    "hidden": "8,4",
    "init": "he",
    "record_every": 50,
}


@pytest.fixture(scope="module")
def data():
    return with_dev(load_moons(), 0.2, seed=0)


def _in_rungs(params, data, every):
    state, reached = None, 0
    while True:
        out = run_rung(params, data, state, reached + every, seed=3)
        if out["finished"]:
            return out
        state, reached = out["state"], out["iteration"]


@pytest.mark.parametrize("extra", [{}, {"patience": 2, "check_every": 50}])
def test_rungs_continue_bit_for_bit(data, extra):
    params = {**PARAMS, **extra}
    whole = run_rung(params, data, seed=3)
    rungs = _in_rungs(params, data, 70)
    assert rungs["dev_cost"] == whole["dev_cost"] and rungs["train_cost"] == whole["train_cost"]
    assert rungs["history"] == whole["history"]


def test_trial_is_the_train_run(data):
    """The same model as fit_dataset with early stopping (what `practicalnn train` builds from the flags)."""
    params = {**PARAMS, "patience": 2, "check_every": 50}
    net, out = train_trial(params, data, seed=3)
    es = EarlyStopping(data.dev_X, data.dev_Y, every=50, patience=2, X_train=data.train_X, Y_train=data.train_Y)
    config = TrainConfig(
        learning_rate=0.05, iterations=300, l2=0.1, keep_prob=0.8, optimizer="adam", batch_size=32, record_every=50
    )
    alone = fit_dataset(data, hidden=[8, 4], init="he", rng=3, config=config, callbacks=[es])
    assert np.array_equal(net.params, alone.network.params)
    assert out["dev_cost"] == alone.network.evaluate(data.dev_X, data.dev_Y)[1]


def test_command_line_retrains_the_trial(tmp_path, capsys):
    import json

    from practicalnn.cli import main

    data, description = prepare_data("moons", dev_fraction=0.2, seed=0)
    setup = {**description, "seed": 0}
    params = {"learning_rate": 0.2, "iterations": 200, "l2": 0.05, "hidden": "10"}
    command, notes = train_command(setup, params)
    assert notes == [] and command.startswith("practicalnn train --threads 1 --dataset moons --dev-fraction 0.2")
    _, out = train_trial(params, data, seed=0)
    assert main([*command.split()[1:], "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["dev_cost"] == out["dev_cost"]


def _regression():
    from practicalnn.data.datasets import Dataset

    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 90)) * 3
    Y = (X.sum(axis=0, keepdims=True) * 4) ** 2
    return Dataset("reg", X[:, :50], Y[:, :50], X[:, 70:], Y[:, 70:], "identity", dev_X=X[:, 50:70], dev_Y=Y[:, 50:70])


def test_divergence_is_a_failed_trial_with_the_engine_message_and_the_study_goes_on(tmp_path):
    from practicalnn.experiments.tune import tune

    data = _regression()
    out = run_rung({"learning_rate": 5.0, "iterations": 200, "hidden": "8", "init": "he"}, data)
    assert out["status"] == "failed" and out["stopped"] == "diverged"
    assert "diverged" in out["message"] and "learning_rate" in out["message"]
    result = tune(
        data,
        ["learning_rate=choice:5.0|0.0001", "iterations=100", "hidden=8", "init=he"],
        sampler="grid",
        pruner="none",
        storage=f"sqlite:///{tmp_path}/s.db",
        workers=0,
    )
    states = {r["params"]["learning_rate"]: r for r in result.table}
    assert states[5.0]["state"] == "failed" and "diverged" in states[5.0]["message"]
    assert states[0.0001]["state"] == "complete" and result.best["trial"] == states[0.0001]["trial"]
    assert result.test["cost"] == result.network.evaluate(data.test_X, data.test_Y)[1]


def test_same_result_on_either_worker_and_in_process(data):
    """Each of two real worker processes and this process give bit-identical parameters."""
    from distributed import Client, LocalCluster

    def params_of(params, data, seed):
        net, out = train_trial(params, data, seed=seed)
        return net.params, out["dev_cost"], out["pid"]

    here = params_of(PARAMS, data, 5)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        Client(cluster, timeout=30) as client,
    ):
        a, b = list(client.nthreads())
        on_a = client.submit(params_of, PARAMS, data, 5, workers=[a], pure=False).result(timeout=120)
        on_b = client.submit(params_of, PARAMS, data, 5, workers=[b], pure=False).result(timeout=120)
    assert len({here[2], on_a[2], on_b[2]}) == 3  # three different processes
    for other in (on_a, on_b):
        assert np.array_equal(other[0], here[0]) and other[1] == here[1]


def test_batch_norm_trial_is_the_train_run(data):
    """batch_norm=True: every hidden layer has gamma and beta, and the network is the one fit_dataset
    builds with batch_norm=True from the same flags; False builds the plain one."""
    params = {"learning_rate": 0.1, "iterations": 200, "hidden": "8,4", "init": "he", "batch_norm": True}
    net, out = train_trial(params, data, seed=3)
    assert all(net.gamma[k] is not None and net.beta[k] is not None for k in (1, 2))
    alone = fit_dataset(data, hidden=[8, 4], init="he", rng=3, config=TrainConfig(learning_rate=0.1, iterations=200),
                        batch_norm=True)  # fmt: skip
    assert np.array_equal(net.params, alone.network.params)
    assert out["dev_cost"] == alone.network.evaluate(data.dev_X, data.dev_Y)[1]
    plain, _ = train_trial({**params, "batch_norm": False}, data, seed=3)
    assert all(g is None for g in plain.gamma)


def test_a_study_over_batch_norm(tmp_path):
    """A grid over batch_norm: one trial of each; the winner is retrained with its own choice and its
    command line says --batch-norm exactly when it chose it."""
    from practicalnn.experiments.tune import tune

    result = tune(
        "moons",
        ["batch_norm=choice:true|false", "iterations=300", "learning_rate=0.1", "hidden=8,4"],
        sampler="grid",
        pruner="none",
        workers=0,
        storage=f"sqlite:///{tmp_path}/bn.db",
    )
    assert sorted(r["params"]["batch_norm"] for r in result.table) == [False, True]
    chose = result.best["params"]["batch_norm"]
    assert (result.network.gamma[1] is not None) == chose
    assert ("--batch-norm" in result.command.split()) == chose

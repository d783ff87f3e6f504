"""Faults during training: divergence, Ctrl-C, SIGKILL and resuming from a checkpoint."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from practicalnn import load
from practicalnn.core.network import Network
from practicalnn.errors import ConfigError, ModelFileError, TrainingDiverged
from practicalnn.estimators import NeuralNetRegressor
from practicalnn.fast.codes import cost_limit
from practicalnn.io.checkpoint import CheckpointWriter, Resume, load_checkpoint
from practicalnn.training.trainer import TrainConfig, Trainer

CLI = [sys.executable, "-m", "practicalnn"]
ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}


def regression(seed=0, m=50):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(3, m))
    return X, 10 * X.sum(axis=0, keepdims=True)


def run_gd(iterations, lr=5.0):
    X, Y = regression()
    net = Network([3, 8, 1], output="identity")
    trainer = Trainer(net, TrainConfig(learning_rate=lr, iterations=iterations, record_every=1), rng=0)
    net.initialize("he", trainer.streams.init)
    return net, trainer.fit(X, Y)


def test_divergence_stops_at_once_and_keeps_the_last_finite_parameters():
    with pytest.raises(TrainingDiverged, match=r"iteration \d+.*smaller learning_rate") as info:
        run_gd(1000)
    err = info.value
    assert err.history.stopped == "diverged" and len(err.history.cost) == err.iteration + 1
    c = np.asarray(err.history.cost)
    # diverged: the last cost is not finite, or has grown past the limit (1e6 times the first)
    assert (not np.isfinite(c[-1]) or c[-1] > cost_limit(c[0])) and np.isfinite(c[:-1]).all()
    # the kept parameters are those of a run stopped, by request, just before the divergence
    before, _ = run_gd(err.iteration)
    net = Network([3, 8, 1], output="identity")
    trainer = Trainer(net, TrainConfig(learning_rate=5.0, iterations=1000, record_every=1), rng=0)
    net.initialize("he", trainer.streams.init)
    with pytest.raises(TrainingDiverged):
        trainer.fit(*regression())
    assert np.isfinite(net.params).all()
    np.testing.assert_array_equal(net.params, before.params)


def test_estimator_divergence_keeps_model_and_history():
    X, Y = regression()
    est = NeuralNetRegressor((8,), solver="gd", learning_rate=5.0, normalize=False, random_state=0)
    with pytest.raises(TrainingDiverged, match="learning_rate"):
        est.fit(X.T, Y[0])
    assert est.history_.stopped == "diverged" and np.isfinite(est.network_.params).all()
    assert est.n_iter_ == len(est.loss_curve_) - 1


def _write_csv(path, X, y):
    rows = ["a,b,c,y"] + [",".join(repr(float(v)) for v in (*r, t)) for r, t in zip(X.T, y)]
    Path(path).write_text("\n".join(rows) + "\n")


def test_cli_divergence_is_one_line_and_exit_2(tmp_path):
    X, Y = regression()
    _write_csv(tmp_path / "r.csv", X, Y[0])
    out = subprocess.run(
        CLI
        + [
            "train",
            "--dataset",
            str(tmp_path / "r.csv"),
            "--target",
            "y",
            "--learning-rate",
            "5",
            "--iterations",
            "500",
            "--init",
            "he",
            "--hidden",
            "8",
            "--save",
            str(tmp_path / "m.pnn"),
        ],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )
    assert out.returncode == 2, out.stderr
    assert out.stderr.count("\n") == 1 and "diverged at iteration" in out.stderr and "learning_rate" in out.stderr
    assert not (tmp_path / "m.pnn").exists()


TRAIN = """
import json, sys, numpy as np
from practicalnn.core.network import Network
from practicalnn.training.trainer import Trainer, TrainConfig
X = np.random.default_rng(0).normal(size=(2, 64)); Y = (X[:1] * X[1:] > 0).astype(float)
net = Network([2, 16, 1])
tr = Trainer(net, TrainConfig(learning_rate=0.01, iterations=10**8, batch_size=16, optimizer="adam"), rng=0)
net.initialize("he", tr.streams.init)
print("ready", flush=True)
h = tr.fit(X, Y)
print(json.dumps({"stopped": h.stopped, "iterations_run": h.iterations_run,
                  "finite": bool(np.isfinite(net.params).all())}), flush=True)
"""


def test_ctrl_c_returns_the_model_trained_so_far():
    proc = subprocess.Popen([sys.executable, "-c", TRAIN], stdout=subprocess.PIPE, text=True, env=ENV)
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    result = json.loads(out)
    assert proc.returncode == 0
    assert result["stopped"] == "interrupted" and 0 < result["iterations_run"] < 10**8 and result["finite"]


def _wait_for(path, proc, timeout=60):
    start = time.time()
    while not Path(path).exists():
        assert proc.poll() is None, "training ended before its first checkpoint"
        assert time.time() - start < timeout
        time.sleep(0.02)


def test_cli_ctrl_c_saves_model_and_checkpoint_then_exits_130(tmp_path):
    model, ck = tmp_path / "m.pnn", tmp_path / "run.ckpt"
    proc = subprocess.Popen(
        CLI
        + [
            "train",
            "--iterations",
            "100000000",
            "--save",
            str(model),
            "--checkpoint",
            str(ck),
            "--checkpoint-every",
            "500",
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    _wait_for(ck, proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    doc = json.loads(out)
    assert doc["stopped"] == "interrupted" and doc["saved"] == str(model)
    assert "interrupted after" in err and "--resume" in err
    saved = load(model)
    assert saved.info["iterations_run"] == doc["iterations_run"] < 10**8
    check = load_checkpoint(ck)
    assert check.iteration == doc["iterations_run"]  # written again on Ctrl-C: nothing is lost
    np.testing.assert_array_equal(check.state["params"], saved.network.params)


def test_cli_sigkill_then_resume_is_bit_identical(tmp_path):
    flags = ["train", "--iterations", "6000", "--keep-prob", "0.86", "--record-every", "500", "--json"]
    ck = tmp_path / "run.ckpt"
    proc = subprocess.Popen(
        CLI + flags + ["--checkpoint", str(ck), "--checkpoint-every", "200", "--save", str(tmp_path / "never.pnn")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=ENV,
    )
    _wait_for(ck, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (tmp_path / "never.pnn").exists()
    killed_at = load_checkpoint(ck).iteration
    assert 0 < killed_at < 6000
    resumed = subprocess.run(
        CLI + flags + ["--checkpoint", str(ck), "--resume", str(ck), "--save", str(tmp_path / "r.pnn")],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    full = subprocess.run(
        CLI + flags + ["--save", str(tmp_path / "f.pnn")], capture_output=True, text=True, env=ENV, timeout=300
    )
    assert resumed.returncode == 0 and full.returncode == 0, resumed.stderr + full.stderr
    a, b = json.loads(resumed.stdout), json.loads(full.stdout)
    assert a["resumed_from"]["iteration"] == killed_at
    assert a["cost_history"] == b["cost_history"] and a["test_accuracy"] == b["test_accuracy"]
    np.testing.assert_array_equal(load(tmp_path / "r.pnn").network.params, load(tmp_path / "f.pnn").network.params)


KILLED = """
import sys, numpy as np
from practicalnn.io.checkpoint import CheckpointWriter
from practicalnn.core.network import Network
from practicalnn.training.trainer import Trainer, TrainConfig
X = np.random.default_rng(0).normal(size=(2, 90)); Y = (X[:1] * X[1:] > 0).astype(float)
net = Network([2, 12, 6, 1], "tanh")
cfg = TrainConfig(learning_rate=0.005, iterations=10**8, batch_size=32, optimizer="adam", keep_prob=0.8, record_every=5)
tr = Trainer(net, cfg, rng=7, callbacks=[CheckpointWriter(sys.argv[1], every=37)])
net.initialize("he", tr.streams.init)
tr.fit(X, Y)
"""


def _library_run(iterations, callbacks=()):
    X = np.random.default_rng(0).normal(size=(2, 90))
    Y = (X[:1] * X[1:] > 0).astype(float)
    net = Network([2, 12, 6, 1], "tanh")
    cfg = TrainConfig(
        learning_rate=0.005, iterations=iterations, batch_size=32, optimizer="adam", keep_prob=0.8, record_every=5
    )
    tr = Trainer(net, cfg, rng=7, callbacks=callbacks)
    net.initialize("he", tr.streams.init)
    return net, tr.fit(X, Y)


def test_library_sigkill_mid_epoch_with_adam_dropout_minibatches_resumes_bit_identically(tmp_path):
    ck = tmp_path / "lib.ckpt"
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(ck)], env=ENV)
    _wait_for(ck, proc)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    check = load_checkpoint(ck)
    total = check.iteration + 200
    assert check.iteration % 37 == 0 and check.state["perm"] is not None
    resumed, h1 = _library_run(total, [Resume(check)])
    straight, h2 = _library_run(total)
    np.testing.assert_array_equal(resumed.params, straight.params)
    assert h1.to_dict() == h2.to_dict()


def test_resume_refuses_another_run_or_another_file(tmp_path):
    ck = tmp_path / "c.ckpt"
    _library_run(40, [CheckpointWriter(ck, every=20)])
    X = np.random.default_rng(0).normal(size=(2, 90))
    net = Network([2, 12, 6, 1], "tanh")
    tr = Trainer(
        net,
        TrainConfig(learning_rate=0.5, iterations=60, batch_size=32, optimizer="adam", keep_prob=0.8, record_every=5),
        rng=7,
        callbacks=[Resume(ck)],
    )
    with pytest.raises(ConfigError, match="learning_rate"):
        tr.fit(X, (X[:1] > 0).astype(float))
    (tmp_path / "x.ckpt").write_bytes(b"\x80\x04junk")
    with pytest.raises(ModelFileError, match="pickle"):
        Resume(tmp_path / "x.ckpt")
    out = subprocess.run(
        CLI + ["train", "--iterations", "50", "--resume", str(ck)], capture_output=True, text=True, env=ENV, timeout=60
    )
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "resume=" in out.stderr


def test_resume_refuses_runs_with_callbacks_whose_state_it_cannot_restore(tmp_path):
    from practicalnn.training.callbacks import Callback

    class Counting(Callback):
        every = 10

        def __init__(self):
            self.calls = 0

        def on_check(self, trainer, iteration):
            self.calls += 1

    ck = tmp_path / "c.ckpt"
    _library_run(40, [CheckpointWriter(ck, every=20)])
    with pytest.raises(ConfigError, match="Counting"):
        _library_run(60, [Resume(ck), Counting()])


KILLED_WITH_CALLBACKS = """
import sys, numpy as np
from practicalnn.io.checkpoint import CheckpointWriter
from practicalnn.core.network import Network
from practicalnn.regularization.augmentation import Augmentation, GaussianJitter
from practicalnn.regularization.early_stopping import EarlyStopping
from practicalnn.training.trainer import Trainer, TrainConfig
rng = np.random.default_rng(0)
X = rng.normal(size=(2, 120)); Y = (X[:1] * X[1:] > 0).astype(float)
cfg = TrainConfig(learning_rate=0.01, iterations=10**8, batch_size=40, optimizer="adam", record_every=5)
net = Network([2, 12, 6, 1], "tanh")
callbacks = [Augmentation([GaussianJitter(0.1)], seed=3),
             EarlyStopping(X[:, 90:], Y[:, 90:], every=10, patience=10**6),
             CheckpointWriter(sys.argv[1], every=30)]
tr = Trainer(net, cfg, rng=7, callbacks=callbacks)
net.initialize("he", tr.streams.init)
tr.fit(X[:, :90], Y[:, :90])
"""


def _run_with_callbacks(iterations, first=()):
    from practicalnn.regularization.augmentation import Augmentation, GaussianJitter
    from practicalnn.regularization.early_stopping import EarlyStopping

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, 120))
    Y = (X[:1] * X[1:] > 0).astype(float)
    cfg = TrainConfig(learning_rate=0.01, iterations=iterations, batch_size=40, optimizer="adam", record_every=5)
    net = Network([2, 12, 6, 1], "tanh")
    stop = EarlyStopping(X[:, 90:], Y[:, 90:], every=10, patience=10**6)
    tr = Trainer(net, cfg, rng=7, callbacks=[*first, Augmentation([GaussianJitter(0.1)], seed=3), stop])
    net.initialize("he", tr.streams.init)
    return net, tr.fit(X[:, :90], Y[:, :90]), stop


def test_sigkill_with_early_stopping_and_augmentation_resumes_bit_identically(tmp_path):
    ck = tmp_path / "cb.ckpt"
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WITH_CALLBACKS, str(ck)], env=ENV)
    _wait_for(ck, proc)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    check = load_checkpoint(ck)
    assert check.iteration % 30 == 0 and [c["type"] for c in check.state["callbacks"]] == [
        "Augmentation",
        "EarlyStopping",
    ]
    total = check.iteration + 150
    resumed, h1, stop1 = _run_with_callbacks(total, [Resume(check)])
    straight, h2, stop2 = _run_with_callbacks(total)
    np.testing.assert_array_equal(resumed.params, straight.params)  # the best check's, restored
    assert h1.to_dict() == h2.to_dict() and "dev_cost" in h1.curves
    assert (stop1.best_iteration, stop1.best_value) == (stop2.best_iteration, stop2.best_value)

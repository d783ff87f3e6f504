"""Hostile and unlucky files: every malformed file is one ModelFileError naming the field, loading is
bounded by limits rather than by the file, writes go only to regular files and never lose an output."""

import errno
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import safetensors.numpy
from sklearn.datasets import make_blobs

from practicalnn import load, save
from practicalnn.core.network import Network
from practicalnn.data.scaling import Standardizer
from practicalnn.errors import ConfigError, ModelFileError
from practicalnn.estimators import NeuralNetClassifier, NeuralNetRegressor
from practicalnn.io.checkpoint import CheckpointWriter, Resume, load_checkpoint
from practicalnn.io.container import digest
from practicalnn.io.paths import check_output_path
from practicalnn.training.trainer import TrainConfig, Trainer

DATA = Path(__file__).parent / "data" / "model_files"


def net():
    return Network([3, 5, 4], "tanh", "softmax").initialize("he", np.random.default_rng(0))


def edited(path, change_header=None, change_meta=None, change_tensors=None):
    """Rewrite a practicalnn file with an edit and its digest recomputed, as anyone can."""
    data = Path(path).read_bytes()
    n = int.from_bytes(data[:8], "little")
    meta = json.loads(data[8 : 8 + n])["__metadata__"]
    tensors = safetensors.numpy.load(data)
    header = json.loads(meta["header"])
    if change_header:
        change_header(header)
    if change_tensors:
        change_tensors(tensors)
    meta["header"] = json.dumps(header)
    if change_meta:
        change_meta(meta)
    meta["sha256"] = digest(meta["header"], tensors)
    Path(path).write_bytes(safetensors.numpy.save(tensors, metadata=meta))
    return path


def refused(path, match, reader=load):
    with pytest.raises(ModelFileError, match=match):
        reader(path)


# -- files written by the previous version -----------------------------------------------------------
def test_files_written_by_the_previous_version_still_load():
    # The expected outputs were computed by the previous version on another machine: the same
    # parameters give the same predictions up to the last bits, which the CPU's BLAS and SIMD
    # kernels round their own way (a CI machine once differed by one ulp in one entry of 80).
    same = {"rtol": 1e-12, "atol": 0}
    expected = np.load(DATA / "v1_expected.npz")
    saved = load(DATA / "v1_network.pnn")
    assert list(saved.classes) == ["a", "b", "c"] and saved.feature_names == ["x", "y", "z"]
    np.testing.assert_allclose(saved.predict_proba(expected["net_X"]), expected["net_proba"], **same)
    clf, reg = load(DATA / "v1_classifier.pnn"), load(DATA / "v1_regressor.pnn")
    assert isinstance(clf, NeuralNetClassifier) and clf.early_stopping and list(clf.classes_) == ["no", "yes"]
    np.testing.assert_allclose(clf.predict_proba(expected["X"]), expected["clf_proba"], **same)
    np.testing.assert_array_equal(clf.predict(expected["X"]), np.where(expected["clf_proba"][:, 1] > 0.5, "yes", "no"))
    assert isinstance(reg, NeuralNetRegressor) and reg.hidden_layer_sizes == 2 and reg.init.scale == 0.1
    np.testing.assert_allclose(reg.predict(expected["X"]), expected["reg_pred"], **same)


# -- temporary files ----------------------------------------------------------------------------------
def test_a_write_removes_temporaries_of_killed_writers_only(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = tmp_path / f".m.pnn.{dead.pid}.k2j4x_.tmp"
        busy = tmp_path / f".m.pnn.{alive.pid}.q9z1w3.tmp"
        other = tmp_path / ".notes.txt.tmp"
        for p in (stale, busy, other):
            p.write_bytes(b"partial")
        save(net(), tmp_path / "m.pnn")
        assert not stale.exists() and busy.exists() and other.exists()
    finally:
        alive.kill()
        alive.wait()


# -- resume ---------------------------------------------------------------------------------------------
def _run(iterations, callbacks=()):
    X = np.random.default_rng(0).normal(size=(2, 60))
    Y = (X[:1] * X[1:] > 0).astype(float)
    network = Network([2, 6, 1], "tanh")
    cfg = TrainConfig(learning_rate=0.01, iterations=iterations, batch_size=20, optimizer="adam", record_every=5)
    trainer = Trainer(network, cfg, rng=3, callbacks=callbacks)
    network.initialize("he", trainer.streams.init)
    return trainer.fit(X, Y)


def test_resume_refuses_a_checkpoint_past_the_iterations_asked(tmp_path):
    ck = tmp_path / "c.ckpt"
    _run(40, [CheckpointWriter(ck, every=40)])
    assert load_checkpoint(ck).iteration == 40
    with pytest.raises(ConfigError, match=r"iterations=30.*40 iterations"):
        _run(30, [Resume(ck)])


# -- where files go ----------------------------------------------------------------------------------
def test_save_follows_a_symlink_to_its_regular_file(tmp_path):
    target = save(net(), tmp_path / "real.pnn")
    link = tmp_path / "link.pnn"
    link.symlink_to(target)
    other = Network([3, 2, 4], "tanh", "softmax")
    save(other, link)
    assert link.is_symlink() and load(target).network.layer_sizes == (3, 2, 4)


def test_save_refuses_devices_fifos_and_directories(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path, what in [(fifo, "regular file"), (Path("/dev/null"), "regular file"), (tmp_path, "directory")]:
        with pytest.raises(ConfigError, match=f"path=.*{what}"):
            save(net(), path)
    assert stat.S_ISFIFO(fifo.stat().st_mode) and stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_output_paths_are_checked_by_name(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match=r"save='.*file/m.pnn'.*is not a directory"):
        check_output_path("save", tmp_path / "file" / "m.pnn")
    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    with pytest.raises(ConfigError, match=r"checkpoint='.*c.ckpt'.*permission denied"):
        check_output_path("checkpoint", tmp_path / "c.ckpt")


def _cli(args, cwd, monkeypatch, capsys):
    from practicalnn.cli import main

    monkeypatch.chdir(cwd)
    capsys.readouterr()
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_refuses_bad_output_paths_before_training(tmp_path, monkeypatch, capsys):
    (tmp_path / "file").write_text("x")
    for flag in ("--save", "--checkpoint"):
        start = time.perf_counter()
        code, _, err = _cli(["train", "--iterations", "100000000", flag, "file/x"], tmp_path, monkeypatch, capsys)
        assert code == 2 and err.count("\n") == 1 and f"{flag[2:]}='file/x'" in err
        assert time.perf_counter() - start < 30  # refused up front, not after 10**8 iterations


def _fsync_fails_for(name, monkeypatch):
    real = os.fsync

    def fsync(fd):
        if name in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_a_full_disk_for_checkpoints_warns_and_keeps_the_save(tmp_path, monkeypatch, capsys):
    _fsync_fails_for("run.ckpt", monkeypatch)
    args = ["train", "--iterations", "30", "--checkpoint", "run.ckpt", "--checkpoint-every", "10", "--save", "m.pnn"]
    code, _, err = _cli(args, tmp_path, monkeypatch, capsys)
    assert code == 0 and "No space left on device" in err and "run.ckpt" in err and "model saved" in err
    assert load(tmp_path / "m.pnn").info["iterations_run"] == 30
    assert sorted(os.listdir(tmp_path)) == ["m.pnn"]


def test_a_full_disk_for_save_names_the_path(tmp_path, monkeypatch, capsys):
    _fsync_fails_for("m.pnn", monkeypatch)
    code, _, err = _cli(["train", "--iterations", "5", "--save", "m.pnn"], tmp_path, monkeypatch, capsys)
    assert (
        code == 2 and err.count("\n") == 1 and "No space left on device" in err and "m.pnn" in err
    )  # an OSError is bad input, like the rest: exit 2
    assert os.listdir(tmp_path) == []


# -- bounded loading ------------------------------------------------------------------------------
def test_a_header_of_300000_layers_is_refused_at_once(tmp_path):
    path = save(net(), tmp_path / "m.pnn")
    edited(path, lambda h: h["network"].update(layer_sizes=[1] * 300_000))
    start = time.perf_counter()
    refused(path, "layer_sizes")
    assert time.perf_counter() - start < 2


def test_a_sparse_30_gb_file_is_refused_without_reading_it(tmp_path):
    path = save(net(), tmp_path / "m.pnn")
    os.truncate(path, 30 * 2**30)
    start = time.perf_counter()
    refused(path, "announces")
    assert time.perf_counter() - start < 2


def test_a_header_announcing_a_huge_body_is_refused(tmp_path):
    path = save(net(), tmp_path / "m.pnn")
    data = path.read_bytes()
    n = int.from_bytes(data[:8], "little")
    raw = json.loads(data[8 : 8 + n])
    raw["params"]["shape"], raw["params"]["data_offsets"] = [2**31], [0, 2**34]
    head = json.dumps(raw).encode()
    path.write_bytes(len(head).to_bytes(8, "little") + head)
    refused(path, "at most")


def test_deeply_nested_json_is_a_model_file_error(tmp_path):
    path = save(net(), tmp_path / "m.pnn")
    edited(path, lambda h: h.update(info={"x": json.loads("[" * 500 + "]" * 500)}))
    refused(path, "nested")
    head = b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    path.write_bytes(len(head).to_bytes(8, "little") + head)
    refused(path, "nested")


# -- every field checked for meaning ----------------------------------------------------------------
def _network_file(tmp_path):
    return save(net(), tmp_path / "m.pnn", classes=["a", "b", "c", "d"], feature_names=["u", "v", "w"], target="t")


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda h: h.update(classes={"dtype": "|i1", "values": [1, 2, 3, 1000]}), "classes"),
        (lambda h: h.update(classes={"dtype": "str", "values": ["a", "b", "a", "d"]}), "classes repeat"),
        (lambda h: h.update(feature_names=["u", "u", "w"]), "feature names repeat"),
        (lambda h: h.update(target="v"), "target"),
        (lambda h: h.update(standardizer={"kind": "standardizer", "mean": [0, 0, 0], "scale": [1, "1", 1]}), "scale"),
        (lambda h: h.update(info="notes"), "info"),
    ],
)
def test_edited_network_files_are_refused_naming_the_field(tmp_path, change, match):
    refused(edited(_network_file(tmp_path), change), match)


def test_format_version_of_another_type_names_the_type(tmp_path):
    path = _network_file(tmp_path)
    data = path.read_bytes()
    n = int.from_bytes(data[:8], "little")
    raw = json.loads(data[8 : 8 + n])
    raw["__metadata__"]["format_version"] = 1  # safetensors writes strings only: by hand
    head = json.dumps(raw).encode()
    path.write_bytes(len(head).to_bytes(8, "little") + head + data[8 + n :])
    refused(path, "format_version is 1, a int.*string '1'")


def test_edited_estimator_files_are_refused_naming_the_field(tmp_path):
    X, y = make_blobs(30, 2, centers=2, random_state=0)
    path = save(NeuralNetClassifier((3,), max_iter=5, random_state=0).fit(X, y), tmp_path / "c.pnn")
    good = path.read_bytes()
    for change, match in [
        (lambda h: h.update(history="a long run"), "history"),
        (lambda h: h["history"].update(curves="none"), "history.curves"),
        (lambda h: h["params"].update(l2=-1.0), "l2"),
        (lambda h: h["params"].update(hidden_layer_sizes=[4]), "hidden_layer_sizes"),
        (lambda h: h.update(feature_names_in=["a", "a"]), "feature_names_in"),
    ]:
        path.write_bytes(good)
        refused(edited(path, change), match)


def _checkpoint_with_early_stopping(tmp_path):
    from practicalnn.regularization.early_stopping import EarlyStopping

    X = np.random.default_rng(1).normal(size=(2, 30))
    stop = EarlyStopping(X, (X[:1] > 0).astype(float), every=10, patience=100)
    ck = tmp_path / "c.ckpt"
    _run(20, [stop, CheckpointWriter(ck, every=20)])
    return ck


def test_forged_checkpoints_are_one_model_file_error(tmp_path):
    ck = _checkpoint_with_early_stopping(tmp_path)
    good = ck.read_bytes()

    def shuffle(h):
        h["shuffle"]["state"]["state"] = 2**300

    def drop_s(t):
        del t["optimizer.s"]

    def short_best(t):
        t["callbacks.0.best_params"] = t["callbacks.0.best_params"][:-1].copy()

    def string_best(h):
        h["callbacks"][0]["state"]["best_value"] = "0.5"

    def string_history(h):
        h["history"]["iterations"] = "0510"

    for header, tensors, match in [
        (shuffle, None, "shuffle"),
        (None, drop_s, "optimizer"),
        (None, short_best, "best_params"),
        (string_best, None, "best_value"),
        (string_history, None, "history"),
    ]:
        ck.write_bytes(good)
        refused(edited(ck, header, change_tensors=tensors), match, reader=load_checkpoint)


# -- what is saved loads ------------------------------------------------------------------------------
def test_save_refuses_a_model_that_would_not_load(tmp_path):
    scaler = Standardizer().fit(np.ones((3, 4)))
    scaler.scale_ = np.full((3, 1), np.inf)  # what features of about 1e155 gave
    with pytest.raises(ConfigError, match="loaded back.*standardizer"):
        save(net(), tmp_path / "m.pnn", standardizer=scaler)
    X, y = make_blobs(30, 2, centers=2, random_state=0)
    clf = NeuralNetClassifier((3,), max_iter=5, random_state=0).fit(X, y)
    clf.standardizer_.scale_[0, 0] = np.inf
    with pytest.raises(ConfigError, match="loaded back"):
        save(clf, tmp_path / "c.pnn")
    with pytest.raises(ConfigError, match="classes"):
        save(net(), tmp_path / "m.pnn", classes=["a", "a", "b", "c"])
    assert os.listdir(tmp_path) == []


# -- predict ---------------------------------------------------------------------------------------------
def test_predict_prints_the_feature_names_warning_once(tmp_path, monkeypatch, capsys):
    X, y = make_blobs(30, 2, centers=2, random_state=0)
    clf = NeuralNetClassifier((3,), max_iter=5, random_state=0).fit(X, y)
    clf.feature_names_in_ = np.array(["u", "v"], dtype=object)  # as a fit on a DataFrame leaves it
    save(clf, tmp_path / "c.pnn")
    (tmp_path / "rows.csv").write_text("u,v\n" + "\n".join(f"{a!r},{b!r}" for a, b in X.tolist()) + "\n")
    code, _, err = _cli(["predict", "--model", "c.pnn", "--data", "rows.csv"], tmp_path, monkeypatch, capsys)
    assert code == 0 and err.count("\n") == 1 and "feature names" in err


def test_a_header_length_whose_first_byte_is_a_pickle_opcode_still_loads(tmp_path):
    """0x80 opens a pickle, and also any header of 128 + 256k bytes: the length decides first."""
    path = save(net(), tmp_path / "m.pnn")
    n = int.from_bytes(path.read_bytes()[:8], "little")
    pad = (0x80 - n) % 256 + 256
    edited(path, lambda h: h["info"].update(pad="x" * pad))
    for _ in range(4):  # the digest's and the padding's own digits shift the length by a few bytes
        n = int.from_bytes(path.read_bytes()[:8], "little")
        if n % 256 == 0x80:
            break
        edited(path, lambda h, d=(0x80 - n) % 256: h["info"].update(pad=h["info"]["pad"] + "x" * d))
    assert path.read_bytes()[0] == 0x80
    assert load(path).network.layer_sizes == (3, 5, 4)

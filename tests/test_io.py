"""Model files: round trips, strict loading of anything that is not one, atomic writes."""

import json
import os
import pickle
import signal
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest
import safetensors.numpy
from sklearn.datasets import make_blobs, make_regression

from practicalnn import load, save
from practicalnn.core.network import Network
from practicalnn.data.scaling import Standardizer
from practicalnn.errors import ModelFileError
from practicalnn.estimators import NeuralNetClassifier, NeuralNetRegressor
from practicalnn.io.container import FORMAT_VERSION
from practicalnn.io.model_file import SavedNetwork


def trained_net():
    net = Network([3, 5, 4], "tanh", "softmax")
    return net.initialize("he", np.random.default_rng(0))


def test_network_round_trip_with_standardizer_and_string_classes(tmp_path):
    net = trained_net()
    X = np.random.default_rng(1).normal(5, 3, size=(3, 40))
    scaler = Standardizer().fit(X)
    path = save(
        net,
        tmp_path / "m.pnn",
        standardizer=scaler,
        classes=["ant", "bee", "cat", "dog"],
        feature_names=["a", "b", "c"],
        target="animal",
        info={"note": "x"},
    )
    back = load(path)
    assert isinstance(back, SavedNetwork)
    np.testing.assert_array_equal(back.network.params, net.params)
    assert back.network.config() == net.config()
    np.testing.assert_array_equal(back.standardizer.mean_, scaler.mean_)
    np.testing.assert_array_equal(back.standardizer.scale_, scaler.scale_)
    assert list(back.classes) == ["ant", "bee", "cat", "dog"] and back.target == "animal"
    expected = np.array(["ant", "bee", "cat", "dog"])[
        np.argmax(net.forward((X - X.mean(1, keepdims=True)) / X.std(1, keepdims=True)).A[-1], axis=0)
    ]
    assert (back.predict(X)[0] == expected).all()


@pytest.mark.parametrize("labels", [np.array(["no", "yes", "maybe"]), np.array([2.0, -1.0, 7.0]), np.array([3, 1, 2])])
def test_estimators_round_trip_exactly(tmp_path, labels):
    X, y = make_blobs(60, 4, centers=3, random_state=0)
    clf = NeuralNetClassifier((6,), max_iter=50, random_state=0, l2=0.1).fit(X, labels[y])
    back = load(save(clf, tmp_path / "c.pnn"))
    assert type(back) is NeuralNetClassifier and back.get_params() == clf.get_params()
    assert back.classes_.dtype == clf.classes_.dtype and list(back.classes_) == list(clf.classes_)
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    assert back.loss_curve_ == clf.loss_curve_ and back.n_iter_ == 50
    Xr, yr = make_regression(40, 3, n_targets=2, random_state=0)
    reg = NeuralNetRegressor((5,), max_iter=30, random_state=0, normalize=False).fit(Xr, yr / 100)
    back = load(save(reg, tmp_path / "r.pnn"))
    np.testing.assert_array_equal(back.predict(Xr), reg.predict(Xr))
    assert back.standardizer_ is None and back.n_outputs_ == 2


def _file_bytes(tmp_path):
    return save(trained_net(), tmp_path / "good.pnn").read_bytes()


def _rejected(tmp_path, data, match):
    bad = tmp_path / "bad.pnn"
    bad.write_bytes(data)
    with pytest.raises(ModelFileError, match=match):
        load(bad)


def test_rejects_pickles_without_running_them(tmp_path):
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    _rejected(tmp_path, pickle.dumps(Evil()), "pickle")
    _rejected(tmp_path, pickle.dumps({"params": np.zeros(3)}, protocol=2), "pickle")
    assert not marker.exists()


def test_rejects_zip_npy_random_bytes_and_empty(tmp_path):
    zpath = tmp_path / "a.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        z.writestr("params.npy", b"x")
    _rejected(tmp_path, zpath.read_bytes(), "zip")
    np.save(tmp_path / "a.npy", np.zeros(3))
    _rejected(tmp_path, (tmp_path / "a.npy").read_bytes(), "npy")
    _rejected(tmp_path, np.random.default_rng(0).bytes(4096), "not a safetensors|not JSON")
    _rejected(tmp_path, b"", "too short")
    with pytest.raises(ModelFileError, match="existing"):
        load(tmp_path / "missing.pnn")


def test_rejects_safetensors_files_from_elsewhere(tmp_path):
    _rejected(tmp_path, safetensors.numpy.save({"weight": np.zeros((2, 2))}), "no practicalnn metadata")
    _rejected(
        tmp_path, safetensors.numpy.save({"params": np.zeros(3)}, metadata={"format": "pt"}), "no practicalnn metadata"
    )


def test_rejects_every_truncation(tmp_path):
    data = _file_bytes(tmp_path)
    for cut in sorted({1, 7, 8, 9, 50, len(data) // 2, len(data) - 8, len(data) - 1}):
        _rejected(tmp_path, data[:cut], "truncated|too short|not JSON|not a safetensors")


def test_rejects_tampering_in_data_and_header(tmp_path):
    data = bytearray(_file_bytes(tmp_path))
    flipped = bytearray(data)
    flipped[-3] ^= 0x01  # one bit of one parameter
    _rejected(tmp_path, bytes(flipped), "checksum")
    n = int.from_bytes(data[:8], "little")
    head = data[8 : 8 + n].decode()
    widened = head.replace('\\"tanh\\"', '\\"relu\\"')
    assert widened != head
    _rejected(tmp_path, bytes(data[:8]) + widened.encode() + bytes(data[8 + n :]), "checksum")


def _rewrite(tmp_path, tensors, meta_changes=(), header_changes=()):
    """A file like a good one, with its digest recomputed after the change (an honest writer's
    file of another shape or version): what is checked then is the content, not the checksum."""
    from practicalnn.io.container import digest as _digest

    good = tmp_path / "good.pnn"
    save(trained_net(), good)
    n = int.from_bytes(good.read_bytes()[:8], "little")
    meta = json.loads(good.read_bytes()[8 : 8 + n])["__metadata__"]
    header = json.loads(meta["header"])
    header.update(dict(header_changes))
    meta["header"] = json.dumps(header)
    meta.update(dict(meta_changes))
    meta["sha256"] = _digest(meta["header"], tensors)
    return safetensors.numpy.save(tensors, metadata=meta)


def test_rejects_wrong_version_names_shapes_dtypes(tmp_path):
    params = trained_net().params
    _rejected(
        tmp_path, _rewrite(tmp_path, {"params": params}, {"format_version": str(FORMAT_VERSION + 1)}), "format version"
    )
    _rejected(tmp_path, _rewrite(tmp_path, {"params": params[:-1]}), "params")
    _rejected(tmp_path, _rewrite(tmp_path, {"params": params.astype(np.float32)}), "params")
    _rejected(tmp_path, _rewrite(tmp_path, {"params": params, "extra": params}), "tensors")
    _rejected(tmp_path, _rewrite(tmp_path, {"weights": params}), "tensors")
    nan = params.copy()
    nan[0] = np.nan
    _rejected(tmp_path, _rewrite(tmp_path, {"params": nan}), "NaN")
    _rejected(
        tmp_path,
        _rewrite(tmp_path, {"params": params}, header_changes={"network": {"layer_sizes": [3, 0, 4]}}),
        "network",
    )
    _rejected(tmp_path, _rewrite(tmp_path, {"params": params}, {"kind": "checkpoint"}), "checkpoint")


def test_a_failed_save_leaves_the_old_file_and_no_debris(tmp_path, monkeypatch):
    path = save(trained_net(), tmp_path / "m.pnn")
    before = path.read_bytes()

    def crash(fd):
        raise OSError("disk gone")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError):
        save(Network([3, 9, 4], output="softmax"), path)
    monkeypatch.undo()
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.pnn"]


SAVER = """
import sys, numpy as np
from practicalnn.core.network import Network
from practicalnn.io.model_file import save
net = Network([200, 2000, 2000, 1])
print("ready", flush=True)
i = 0
while True:
    net.params[...] = i
    save(net, sys.argv[1])
    i += 1
"""


def test_sigkill_during_saves_never_leaves_a_damaged_file(tmp_path):
    path = tmp_path / "m.pnn"
    save(Network([200, 2000, 2000, 1]), path)
    proc = subprocess.Popen([sys.executable, "-c", SAVER, str(path)], stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"ready"
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    net = load(path).network  # complete: loads, checksum and all
    assert np.unique(net.params).size == 1


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    path = save(trained_net(), tmp_path / "m.pnn")
    os.chmod(path, 0o640)
    save(trained_net(), path)
    assert path.stat().st_mode & 0o777 == 0o640


def test_estimator_file_keeps_history_series_as_tensors(tmp_path):
    X, y = make_blobs(30, 2, centers=2, random_state=0)
    clf = NeuralNetClassifier((3,), max_iter=7, random_state=0).fit(X, y)
    data = save(clf, tmp_path / "c.pnn").read_bytes()
    n = int.from_bytes(data[:8], "little")
    entries = json.loads(data[8 : 8 + n])
    assert entries["history.cost"]["shape"] == [7] and entries["params"]["shape"] == [clf.network_.params.size]
    assert "cost_history" not in json.loads(entries["__metadata__"]["header"])["history"]


def test_cli_train_save_normalize_then_predict(tmp_path, monkeypatch, capsys):
    """The model file carries the training set's mean and std: predict applies them to raw rows."""
    from practicalnn.cli import main
    from practicalnn.data.datasets import load_breast_cancer

    monkeypatch.chdir(tmp_path)
    assert (
        main(
            [
                "train",
                "--dataset",
                "breast_cancer",
                "--hidden",
                "4",
                "--init",
                "he",
                "--learning-rate",
                "0.01",
                "--optimizer",
                "adam",
                "--iterations",
                "100",
                "--normalize",
                "--save",
                "m.pnn",
                "--json",
            ]
        )
        == 0
    )
    d = load_breast_cancer()
    rows = d.test_X[:, :5].T
    header = ",".join(d.feature_names)
    (tmp_path / "rows.csv").write_text(header + "\n" + "\n".join(",".join(repr(float(v)) for v in r) for r in rows))
    capsys.readouterr()
    assert main(["predict", "--model", "m.pnn", "--data", "rows.csv", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    model = load("m.pnn")
    mean = d.train_X.mean(axis=1, keepdims=True)
    std = np.sqrt(((d.train_X - mean) ** 2).mean(axis=1, keepdims=True))
    p1 = model.network.predict_proba((rows.T - mean) / std)[0]
    np.testing.assert_allclose(np.array(doc["probabilities"])[:, 1], p1, rtol=1e-12)
    assert doc["classes"] == [0, 1] and doc["predictions"] == (p1 > 0.5).astype(int).tolist()


def test_cli_predict_with_an_estimator_file(tmp_path, monkeypatch, capsys):
    from practicalnn.cli import main

    X, y = make_blobs(45, 2, centers=3, random_state=3)
    names = np.array(["red", "green", "blue"])[y]
    clf = NeuralNetClassifier((8,), learning_rate=0.01, max_iter=300, random_state=0).fit(X, names)
    save(clf, tmp_path / "c.pnn")
    lines = ["u,v,colour"] + [f"{a!r},{b!r},{c}" for (a, b), c in zip(X.tolist(), names)]
    (tmp_path / "rows.csv").write_text("\n".join(lines) + "\n")
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["predict", "--model", "c.pnn", "--data", "rows.csv", "--target", "colour", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["predictions"] == clf.predict(X).tolist() and doc["features"] == ["u", "v"]
    assert doc["metric"] == "accuracy" and doc["score"] == pytest.approx(np.mean(clf.predict(X) == names))
    np.testing.assert_allclose(doc["probabilities"], clf.predict_proba(X), rtol=1e-12)


def test_a_header_announcing_a_huge_network_is_refused_before_allocating_it(tmp_path):
    params = trained_net().params
    huge = {
        "network": {"layer_sizes": [10**6, 10**6, 10**6], "activation": "relu", "output": "sigmoid", "dtype": "float64"}
    }
    _rejected(tmp_path, _rewrite(tmp_path, {"params": params}, header_changes=huge), "need")
    _rejected(tmp_path, _rewrite(tmp_path, {"params": params}, {"header": "not json"}), "checksum|JSON")


def test_any_damage_is_refused_or_harmless(tmp_path):
    """Flip any byte, cut anywhere: load raises ModelFileError or gives back the very same model."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    good = _file_bytes(tmp_path)
    expected = trained_net().params
    path = tmp_path / "damaged.pnn"

    @settings(max_examples=150, deadline=None)
    @given(st.integers(0, len(good) - 1), st.integers(1, 255), st.booleans())
    def damaged(position, xor, cut):
        data = good[:position] if cut else good[:position] + bytes([good[position] ^ xor]) + good[position + 1 :]
        path.write_bytes(data)
        try:
            model = load(path)
        except ModelFileError:
            return
        np.testing.assert_array_equal(model.network.params, expected)

    damaged()

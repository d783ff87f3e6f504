"""ONNX and PyTorch export: the exported graph, run by onnxruntime / torch (independent implementations of
the same operators), gives practicalnn's predictions; probabilities within 1e-5 in float32 ONNX, outputs
within 1e-12 in float64 torch."""

import numpy as np
import pytest

import practicalnn as pnn
from practicalnn.core.network import Network
from practicalnn.data.scaling import Standardizer
from practicalnn.errors import ConfigError
from practicalnn.io.model_file import SavedNetwork

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _session(proto):
    return ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])


def _trained(dataset, hidden, activation="relu", iterations=300, normalize=True):
    data = pnn.load_dataset(dataset)
    scaler = Standardizer().fit(data.train_X) if normalize else None
    X = scaler.transform(data.train_X) if scaler else data.train_X
    classes = np.unique(data.train_Y)
    output = "sigmoid" if len(classes) == 2 else "softmax"
    n_y = 1 if output == "sigmoid" else len(classes)
    net = Network([X.shape[0], *hidden, n_y], activation=activation, output=output)
    pnn.train(net, X, data.train_Y, rng=0, init="he", iterations=iterations, learning_rate=0.1, record_every=100)
    return SavedNetwork(net, scaler, classes=classes), data


@pytest.mark.parametrize(
    "dataset,hidden,activation",
    [("moons", (20, 3), "relu"), ("digits", (32,), "tanh"), ("breast_cancer", (16, 8), "leaky_relu")],
)
def test_onnx_predictions_equal_practicalnns_on_the_test_set(dataset, hidden, activation):
    model, data = _trained(dataset, hidden, activation)
    from practicalnn.io.onnx_export import to_onnx

    proto = to_onnx(model)
    onnx.checker.check_model(proto, full_check=True)
    X_rows = np.ascontiguousarray(data.test_X.T, dtype=np.float32)
    probabilities, label = _session(proto).run(["probabilities", "label"], {"X": X_rows})
    ours = model.predict_proba(data.test_X)
    ours = np.vstack([1 - ours, ours]) if ours.shape[0] == 1 else ours
    np.testing.assert_allclose(probabilities, ours.T, atol=1e-5)
    np.testing.assert_array_equal(label, model.predict(data.test_X).ravel())


def test_onnx_inputs_are_named_after_the_features_and_string_labels_survive():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 60))
    Y = (X[0] + X[1] > 0).astype(int).reshape(1, -1)
    net = Network([3, 4, 1])
    pnn.train(net, X, Y, rng=0, init="he", iterations=200, learning_rate=0.1)
    model = SavedNetwork(net, classes=np.array(["no", "yes"], dtype=object), feature_names=["age", "dose", "weight"])
    from practicalnn.io.onnx_export import to_onnx

    session = _session(to_onnx(model))
    assert [i.name for i in session.get_inputs()] == ["age", "dose", "weight"]
    feeds = {name: X[i].astype(np.float32).reshape(-1, 1) for i, name in enumerate(["age", "dose", "weight"])}
    (label,) = session.run(["label"], feeds)
    assert [s if isinstance(s, str) else s.decode() for s in label] == model.predict(X).ravel().tolist()


def test_regression_exports_its_values():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(2, 50))
    net = Network([2, 5, 1], activation="tanh", output="identity")
    net.initialize("he", rng)
    from practicalnn.io.onnx_export import to_onnx

    (values,) = _session(to_onnx(net)).run(["predictions"], {"X": X.T.astype(np.float32)})
    np.testing.assert_allclose(values, net.predict_proba(X).T, rtol=1e-5, atol=1e-6)


def test_a_failed_export_writes_nothing(tmp_path):
    net = Network([2, 3, 2], output="sigmoid")
    from practicalnn.io.onnx_export import to_onnx

    with pytest.raises(ConfigError, match="one sigmoid unit"):
        to_onnx(net, tmp_path / "out.onnx")
    assert list(tmp_path.iterdir()) == []
    to_onnx(Network([2, 3, 1]), tmp_path / "ok.onnx")
    assert [p.name for p in tmp_path.iterdir()] == ["ok.onnx"]


torch = pytest.importorskip("torch")


@pytest.mark.parametrize(
    "activation,output,n_y",
    [("relu", "sigmoid", 1), ("tanh", "softmax", 3), ("leaky_relu", "identity", 2), ("sigmoid", "sigmoid", 1)],
)
def test_to_torch_outputs_equal_the_engines_to_1e_12(activation, output, n_y):
    from practicalnn.io.torch_bridge import to_torch

    rng = np.random.default_rng(2)
    net = Network([4, 6, 5, n_y], activation=activation, output=output)
    net.initialize("he", rng)
    X = rng.normal(size=(4, 30))
    scaler = Standardizer().fit(X * 3 + 1)
    model = SavedNetwork(net, scaler)
    out = to_torch(model)(torch.tensor(X.T)).detach().numpy()
    np.testing.assert_allclose(out, model.predict_proba(X).T, rtol=1e-12, atol=1e-12)


def test_from_torch_round_trips_and_passes_the_gradient_check():
    from practicalnn.io.torch_bridge import from_torch, to_torch

    torch.manual_seed(0)
    seq = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1), torch.nn.Sigmoid())
    seq = seq.double()
    net = from_torch(seq)
    assert list(net.layer_sizes) == [3, 5, 1] and net.hidden.name == "tanh" and net.output.name == "sigmoid"
    X = np.random.default_rng(3).normal(size=(3, 20))
    np.testing.assert_allclose(net.predict_proba(X).T, seq(torch.tensor(X.T)).detach().numpy(), rtol=1e-12)
    back = to_torch(net)
    np.testing.assert_allclose(back(torch.tensor(X.T)).detach().numpy(), net.predict_proba(X).T, rtol=1e-12)
    Y = (X[0] > 0).astype(float).reshape(1, -1)
    check = pnn.check_network_gradients(net, X, Y)
    assert check.verdict == "correct" and check.difference < 1e-7


def test_from_torch_refuses_what_it_cannot_express():
    from practicalnn.io.torch_bridge import from_torch

    mixed = torch.nn.Sequential(
        torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1)
    )
    with pytest.raises(ConfigError, match="same hidden activation"):
        from_torch(mixed)
    with pytest.raises(ConfigError, match="Linear layers"):
        from_torch(torch.nn.Sequential(torch.nn.Conv1d(1, 1, 1)))


def test_cli_export_writes_graphs_that_reproduce_predict(tmp_path, capsys):
    from practicalnn.cli import main

    model_path = tmp_path / "m.pnn"
    assert main(["train", "--iterations", "300", "--save", str(model_path)]) == 0
    assert main(["export", str(model_path), "--onnx", str(tmp_path / "m.onnx"), "--torch", str(tmp_path / "m.pt")]) == 0
    assert "inputs: x1, x2" in capsys.readouterr().out
    model, data = pnn.load(model_path), pnn.load_moons()
    feeds = {"x1": data.test_X[:1].T.astype(np.float32), "x2": data.test_X[1:].T.astype(np.float32)}
    (label,) = ort.InferenceSession(str(tmp_path / "m.onnx")).run(["label"], feeds)
    np.testing.assert_array_equal(label, model.predict(data.test_X).ravel())
    module = torch.export.load(str(tmp_path / "m.pt")).module()
    out = module(torch.tensor(data.test_X.T)).detach().numpy()
    np.testing.assert_allclose(out, model.predict_proba(data.test_X).T, rtol=1e-12, atol=1e-15)
    one = module(torch.tensor(data.test_X[:, :1].T)).detach().numpy()  # any batch size, one example too
    np.testing.assert_allclose(one, model.predict_proba(data.test_X[:, :1]).T, rtol=1e-12, atol=1e-15)
    assert main(["export", str(model_path)]) == 2
    assert "--onnx" in capsys.readouterr().err


def test_a_missing_extra_names_what_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_onnx(name, *args, **kwargs):
        if name == "onnx" or name.startswith("onnx."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_onnx)
    from practicalnn.io.onnx_export import to_onnx

    with pytest.raises(ConfigError, match=r"practicalnn\[onnx\]"):
        to_onnx(Network([2, 3, 1]))


def test_estimators_export_their_whole_inference():
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    clf = pnn.NeuralNetClassifier((8,), max_iter=200, normalize=True, random_state=0).fit(X, y)
    (proba,) = _session(clf.to_onnx()).run(["probabilities"], {"X": X.astype(np.float32)})
    np.testing.assert_allclose(proba, clf.predict_proba(X), atol=1e-5)
    out = clf.to_torch()(torch.tensor(X)).detach().numpy()
    np.testing.assert_allclose(out.ravel(), clf.predict_proba(X)[:, 1], rtol=1e-12, atol=1e-15)


def test_a_model_with_table_preprocessing_exports_one_input_per_column(tmp_path):
    """Penguins: raw columns in (numbers with NaN, strings, an unknown island), the same labels and
    probabilities within 1e-5 as practicalnn's preprocessing + network on the test rows."""
    pytest.importorskip("pandas")
    penguins = pytest.importorskip("palmerpenguins")
    from practicalnn.data.table_dataset import load_table
    from practicalnn.io.onnx_export import to_onnx

    frame = penguins.load_penguins()
    frame.to_csv(tmp_path / "penguins.csv", index=False)
    data = load_table(tmp_path / "penguins.csv", "species")
    net = Network([data.n_x, 8, 3], output="softmax")
    pnn.train(net, data.train_X, data.train_Y, rng=0, init="he", iterations=500, learning_rate=0.1)
    model = SavedNetwork(net, classes=data.classes, preprocessing=data.preprocessing)
    session = _session(to_onnx(model))
    kinds = {i.name: i.type for i in session.get_inputs()}
    assert kinds["island"] == "tensor(string)" and kinds["body_mass_g"] == "tensor(float)" and len(kinds) == 7
    rows = frame.sample(69, random_state=0).reset_index(drop=True)
    rows.loc[0, "island"] = "Atlantis"
    rows.loc[1, "bill_length_mm"] = np.nan
    feeds = {}
    for c in model.preprocessing.columns_:
        values = rows[c.name]
        if c.kind == "numeric":
            feeds[c.name] = values.to_numpy(dtype=np.float32).reshape(-1, 1)
        else:
            feeds[c.name] = values.astype(object).where(values.notna(), "missing").map(str).to_numpy().reshape(-1, 1)
    probabilities, label = session.run(["probabilities", "label"], feeds)
    X = model.table_inputs(rows)
    np.testing.assert_allclose(probabilities, model.predict_proba(X).T, atol=1e-5)
    assert [s if isinstance(s, str) else s.decode() for s in label] == model.predict(X)[0].tolist()


def test_a_column_named_like_a_graph_value_is_refused_at_export(tmp_path):
    from practicalnn.data.tables import TablePreprocessor
    from practicalnn.io.onnx_export import to_onnx

    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"label": [1.0, 2.0, 3.0, 4.0], "y": [0, 1, 0, 1]})
    prep = TablePreprocessor().fit(frame, target="y")
    net = Network([1, 2, 1])
    net.initialize("he", np.random.default_rng(0))
    with pytest.raises(ConfigError, match="label"):
        to_onnx(SavedNetwork(net, classes=[0, 1], preprocessing=prep), tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()

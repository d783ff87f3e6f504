"""Bad input, everywhere: every mistake gets the library's own error naming the argument and the
problem; the CLI prints one line, exits non-zero and leaves what is on disk alone."""

import os

import numpy as np
import pytest

from practicalnn.core.network import Network
from practicalnn.errors import ConfigError, DataError, PracticalNNError
from practicalnn.estimators import NeuralNetClassifier, NeuralNetRegressor, NotFittedError
from practicalnn.io.model_file import save
from practicalnn.training.trainer import TrainConfig, train

RNG = np.random.default_rng(0)
X = RNG.normal(size=(2, 12))
Y = (X[:1] > 0).astype(float)


def with_value(a, value):
    a = a.copy()
    a[0, 0] = value
    return a


def fit(X_, Y_, sizes=(2, 3, 1), output="sigmoid", **config):
    net = Network(list(sizes), output=output).initialize("he", np.random.default_rng(0))
    return train(net, X_, Y_, iterations=3, **config)


@pytest.mark.parametrize(
    "X_, Y_, argument, problem",
    [
        (with_value(X, np.nan), Y, "X", "NaN"),
        (with_value(X, np.inf), Y, "X", "NaN or inf"),
        (X, with_value(Y, np.nan), "Y", "0/1"),
        (X[0], Y, "X", "2-D"),
        (X[None], Y, "X", "2-D"),
        (X, Y[:, :5], "Y", "one per column"),
        (X[:, :0], Y[:, :0], "X", "at least one example"),
        (X, 2 * Y, "Y", "0/1 labels"),
        (X.astype(str), Y, "X", "real numbers"),
        ([[1.0, 2.0], [3.0]], Y, "X", "rectangular"),
    ],
)
def test_engine_data_errors_name_the_argument(X_, Y_, argument, problem):
    with pytest.raises(DataError, match=rf"^{argument}=.*{problem}"):
        fit(X_, Y_)


def test_labels_that_do_not_fit_the_output():
    with pytest.raises(DataError, match="0..2"):
        fit(X, np.full((1, 12), 5), sizes=(2, 3, 3), output="softmax")
    with pytest.raises(DataError, match="regression"):
        fit(X, np.array([["a"] * 12]), output="identity")
    with pytest.raises(DataError, match="finite"):
        fit(X, with_value(Y, np.inf), output="identity")


@pytest.mark.parametrize(
    "config, argument",
    [
        ({"keep_prob": 0}, "keep_prob"),
        ({"l2": -1}, "l2"),
        ({"l1": float("inf")}, "l1"),
        ({"learning_rate": float("nan")}, "learning_rate"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"iterations": 0}, "iterations"),
        ({"batch_size": 0}, "batch_size"),
        ({"input_keep_prob": 1.5}, "input_keep_prob"),
        ({"optimizer": "sgd"}, "optimizer"),
    ],
)
def test_absurd_hyperparameters(config, argument):
    with pytest.raises(ConfigError, match=rf"^{argument}="):
        TrainConfig(**config)


@pytest.mark.parametrize("sizes", [[2], [2, 0, 1], [2, 1.5, 1], None, "21"])
def test_absurd_architectures(sizes):
    with pytest.raises(ConfigError, match="layer_sizes"):
        Network(sizes)


@pytest.mark.parametrize(
    "make, y, match",
    [
        (lambda: with_value(X.T, np.nan), Y[0], "NaN"),
        (lambda: with_value(X.T, -np.inf), Y[0], "infinity"),
        (lambda: X[0], Y[0], "2D array"),
        (lambda: X.T, Y[0][:5], "inconsistent numbers of samples"),
        (lambda: X.T[:0], Y[0][:0], "0 sample"),
        (lambda: X.T, np.zeros(12), "class"),
    ],
)
def test_estimator_fit_errors(make, y, match):
    with pytest.raises(DataError, match=match):
        NeuralNetClassifier(max_iter=3).fit(make(), y)


def test_estimator_prediction_and_target_errors():
    clf = NeuralNetClassifier((3,), max_iter=3).fit(X.T, Y[0])
    with pytest.raises(DataError, match="2 features"):
        clf.predict(np.ones((4, 3)))
    with pytest.raises(DataError, match="NaN"):
        clf.predict_proba(with_value(X.T, np.nan))
    with pytest.raises(NotFittedError):
        NeuralNetRegressor().predict(X.T)
    with pytest.raises(DataError, match="numbers"):
        NeuralNetRegressor(max_iter=3).fit(X.T, ["a"] * 12)
    with pytest.raises(TypeError):  # also a DataError: an object that is no number
        NeuralNetClassifier(max_iter=3).fit(np.array([[{}, 1.0]] * 12, dtype=object), Y[0])


class Ran:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run ``practicalnn ARGS`` in-process (the same ``main`` as the console script) in ``cwd``."""
    from practicalnn.cli import main

    def run(*args, cwd):
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exit:  # argparse usage errors
            code = exit.code
        out = capsys.readouterr()
        return Ran(code, out.out, out.err)

    return run


CSVS = {
    "nonnumeric.csv": ("a,b,y\n1,2,0\n3,x,1\n1,1,0\n2,2,1\n", "column 'b' = 'x'"),
    "nan.csv": ("a,b,y\n1,2,0\n3,nan,1\n1,1,0\n2,2,1\n", "column 'b' = 'nan'"),
    "inf.csv": ("a,b,y\n1,2,0\n3,-inf,1\n1,1,0\n2,2,1\n", "finite number"),
    "no_target_value.csv": ("a,b,y\n1,2,0\n3,4,\n1,1,0\n2,2,1\n", "a target value in every row"),
    "one_class.csv": ("a,b,y\n1,2,0\n3,4,0\n1,1,0\n2,2,0\n", "at least two classes"),
    "header_only.csv": ("a,b,y\n", "at least one data row"),
    "repeated.csv": ("a,a,y\n1,2,0\n3,4,1\n1,1,0\n2,2,1\n", "distinct"),
    "short_row.csv": ("a,b,y\n1,2,0\n3,1\n1,1,0\n2,2,1\n", "3 fields"),
}


def test_cli_bad_csv_files_one_line_each(tmp_path, cli):
    for name, (text, problem) in CSVS.items():
        (tmp_path / name).write_text(text)
        out = cli("train", "--dataset", name, "--target", "y", "--iterations", "5", cwd=tmp_path)
        assert out.returncode == 2 and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr, (name, out.stderr)
        assert problem in out.stderr, (name, out.stderr)
    out = cli("train", "--dataset", "nonnumeric.csv", "--target", "label", "--iterations", "5", cwd=tmp_path)
    assert out.returncode == 2 and "target='label'" in out.stderr


@pytest.mark.parametrize(
    "flags, argument",
    [
        (["--keep-prob", "0"], "keep_prob"),
        (["--l2", "-1"], "l2"),
        (["--learning-rate", "nan"], "learning_rate"),
        (["--hidden", "0"], "hidden"),
        (["--iterations", "0"], "iterations"),
        (["--activation", "cube"], "activation"),
        (["--checkpoint-every", "10"], "checkpoint_every"),
        (["--resume", "missing.ckpt"], "resume"),
        (["--save", "no/such/dir/m.pnn"], "save"),
    ],
)
def test_cli_absurd_flags_change_nothing_on_disk(tmp_path, cli, flags, argument):
    model = tmp_path / "m.pnn"
    save(Network([2, 3, 1]), model)
    before = (model.read_bytes(), model.stat().st_mtime_ns)
    out = (
        cli("train", "--iterations", "5", "--save", "m.pnn", "--checkpoint", "c.ckpt", *flags, cwd=tmp_path)
        if argument not in ("checkpoint_every", "save")
        else cli("train", "--iterations", "5", *flags, cwd=tmp_path)
    )
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and f"{argument}=" in out.stderr, out.stderr
    assert (model.read_bytes(), model.stat().st_mtime_ns) == before
    assert sorted(os.listdir(tmp_path)) == ["m.pnn"]


def test_cli_predict_bad_inputs(tmp_path, cli):
    net = Network([2, 3, 1]).initialize("he", np.random.default_rng(0))
    save(net, tmp_path / "m.pnn", feature_names=["a", "b"], classes=["no", "yes"])
    (tmp_path / "ok.csv").write_text("b,a\n1,2\n3,4\n")
    out = cli("predict", "--model", "m.pnn", "--data", "ok.csv", "--json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    (tmp_path / "missing.csv").write_text("a,c\n1,2\n")
    (tmp_path / "text.csv").write_text("a,b\n1,two\n")
    (tmp_path / "fake.pnn").write_bytes(b"not a model at all")
    for args, problem in [
        (["--model", "m.pnn", "--data", "missing.csv"], "missing ['b']"),
        (["--model", "m.pnn", "--data", "text.csv"], "'two'"),
        (["--model", "fake.pnn", "--data", "ok.csv"], "model="),
        (["--model", "m.pnn", "--data", "nope.csv"], "data="),
    ]:
        out = cli("predict", *args, cwd=tmp_path)
        assert out.returncode == 2 and out.stderr.count("\n") == 1 and problem in out.stderr, out.stderr


def test_library_errors_are_one_family():
    for err in (ConfigError, DataError, NotFittedError):
        assert issubclass(err, PracticalNNError)

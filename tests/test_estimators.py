"""The scikit-learn face: the estimator contract (check_estimator), the usual tools around it, and
agreement with the engine it wraps."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_blobs, make_classification, make_moons, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from practicalnn.core.network import Network
from practicalnn.errors import DataError, PracticalNNError
from practicalnn.estimators import NeuralNetClassifier, NeuralNetRegressor
from practicalnn.training.trainer import Trainer


def small(cls, **kw):
    """Instances for the contract checks: small and quick, full-batch (one update per epoch, as the
    defaults were when these tests were written; users get mini-batches of 200)."""
    kw.setdefault("batch_size", None)
    return cls(hidden_layer_sizes=(16,), max_iter=kw.pop("max_iter", 200), learning_rate=0.01, random_state=0, **kw)


@parametrize_with_checks([small(NeuralNetClassifier), small(NeuralNetRegressor)])
def test_sklearn_contract(estimator, check):
    check(estimator)


def test_binary_string_labels_probabilities_and_decision_agree():
    X, y = make_moons(120, noise=0.2, random_state=0)
    labels = np.where(y == 1, "yes", "no")
    clf = small(NeuralNetClassifier, max_iter=400).fit(X, labels)
    assert list(clf.classes_) == ["no", "yes"]
    proba = clf.predict_proba(X)
    assert proba.shape == (120, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    z = clf.decision_function(X)
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-z)))  # sigmoid of the logit, by definition
    assert (clf.predict(X) == np.where(z > 0, "yes", "no")).all()
    assert clf.score(X, labels) > 0.85


def test_multiclass_softmax_rows_and_argmax():
    X, y = make_blobs(150, centers=3, random_state=1)
    clf = small(NeuralNetClassifier).fit(X, y + 10)
    assert list(clf.classes_) == [10, 11, 12]
    assert clf.network_.output.name == "softmax" and clf.network_.layer_sizes[-1] == 3
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    z = clf.decision_function(X)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(proba, e / e.sum(axis=1, keepdims=True))
    assert (clf.predict(X) == clf.classes_[np.argmax(z, axis=1)]).all()
    assert clf.score(X, y + 10) > 0.95


def test_regressor_single_and_multi_output():
    X, y = make_regression(100, 4, n_targets=2, noise=1.0, random_state=0)
    y = y / y.std()
    multi = small(NeuralNetRegressor, max_iter=800).fit(X, y)
    assert multi.predict(X).shape == (100, 2) and multi.n_outputs_ == 2
    single = small(NeuralNetRegressor, max_iter=800).fit(X, y[:, 0])
    assert single.predict(X).shape == (100,)
    assert single.score(X, y[:, 0]) > 0.9


def test_estimator_is_the_engine_transposed_once():
    """Same data, seed streams and config through the Trainer directly give the same parameters."""
    X, y = make_classification(60, 5, random_state=3)
    clf = NeuralNetClassifier(
        (7,),
        normalize=False,
        init="he",
        solver="gd",
        learning_rate=0.1,
        max_iter=50,
        batch_size=None,
        tol=0.0,
        random_state=4,
    )
    clf.fit(X, y)
    _, train_rng = np.random.default_rng(4).spawn(2)
    net = Network([5, 7, 1])
    trainer = Trainer(net, clf._config()[1], rng=train_rng)
    net.initialize("he", trainer.streams.init)
    trainer.fit(X.T, y.reshape(1, -1))
    np.testing.assert_array_equal(clf.network_.params, net.params)


def test_pipeline_gridsearch_cross_val_and_clone():
    X, y = make_moons(90, noise=0.25, random_state=2)
    pipe = make_pipeline(StandardScaler(), small(NeuralNetClassifier, normalize=False))
    search = GridSearchCV(
        pipe, {"neuralnetclassifier__l2": [0.0, 1.0], "neuralnetclassifier__keep_prob": [1.0, 0.8]}, cv=3
    )
    search.fit(X, y)
    assert set(search.best_params_) == {"neuralnetclassifier__l2", "neuralnetclassifier__keep_prob"}
    assert len(search.cv_results_["mean_test_score"]) == 4
    scores = cross_val_score(small(NeuralNetRegressor), X, y.astype(float), cv=3)
    assert scores.shape == (3,) and np.isfinite(scores).all()
    est = small(NeuralNetClassifier, l2=0.5, keep_prob=0.9).fit(X, y)
    twin = clone(est)
    assert twin.get_params() == est.get_params() and not hasattr(twin, "network_")


def test_early_stopping_stops_and_keeps_the_best_dev_check():
    pytest.importorskip("practicalnn.regularization.early_stopping")
    X, y = make_moons(200, noise=0.35, random_state=0)
    clf = NeuralNetClassifier(
        (50, 50),
        learning_rate=0.05,
        max_iter=3000,
        batch_size=None,
        early_stopping=True,
        n_iter_no_change=5,
        random_state=0,
    ).fit(X, y)
    assert clf.history_.stopped == "early_stopping" and clf.n_iter_ < 3000
    its, dev = clf.history_.curves["dev_cost"]
    assert clf.history_.best_iteration == its[int(np.argmin(dev))]


def test_absurd_parameters_are_named_at_fit():
    X, y = make_moons(30, random_state=0)
    for params, name in [
        ({"keep_prob": 0}, "keep_prob"),
        ({"l2": -1}, "l2"),
        ({"learning_rate": float("nan")}, "learning_rate"),
        ({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes"),
        ({"max_iter": 0}, "max_iter"),
        ({"solver": "sgd!"}, "solver"),
        ({"activation": "cube"}, "activation"),
        ({"validation_fraction": 1.5}, "validation_fraction"),
    ]:
        with pytest.raises(PracticalNNError, match=name):
            NeuralNetClassifier(**params).fit(X, y)


def test_single_class_and_bad_labels_are_data_errors():
    X = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(DataError, match="class"):
        NeuralNetClassifier().fit(X, ["a"] * 10)
    with pytest.raises(DataError, match="continuous"):
        NeuralNetClassifier().fit(X, np.linspace(0, 1, 10))


def test_verbose_prints_each_epochs_loss_as_sklearn_and_is_silent_otherwise(capsys):
    X, y = make_moons(40, random_state=0)
    clf = small(NeuralNetClassifier, max_iter=100, verbose=True).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 100 and lines[-1].startswith("Iteration 100, loss = ")
    assert float(lines[-1].split()[-1]) == pytest.approx(clf.loss_curve_[-1], rel=1e-6)
    small(NeuralNetClassifier, max_iter=100).fit(X, y)
    assert capsys.readouterr() == ("", "")


def test_max_iter_counts_epochs_and_the_loss_stop_counts_as_mlpclassifiers():
    """The epoch count and the tol / n_iter_no_change stop, against scikit-learn's MLPClassifier."""
    from sklearn.neural_network import MLPClassifier

    X, y = make_moons(500, noise=0.2, random_state=0)
    for patience in (1, 3, 5):
        ours = NeuralNetClassifier(tol=10.0, n_iter_no_change=patience, random_state=0).fit(X, y)
        theirs = MLPClassifier(tol=10.0, n_iter_no_change=patience, random_state=0).fit(X, y)
        assert ours.n_iter_ == theirs.n_iter_ == patience + 2 and ours.history_.stopped == "converged"
    with pytest.warns(ConvergenceWarning, match="maximum iterations"):
        clf = NeuralNetClassifier(max_iter=4, random_state=0).fit(X, y)
    assert clf.n_iter_ == 4 and clf.history_.iterations_run == 4 * 3  # ceil(500 / 200) updates per epoch


def test_epoch_loss_is_the_data_mean_of_the_batch_costs():
    """With a step too small to move the weights, one epoch's loss is the log loss of the whole set."""
    from sklearn.metrics import log_loss

    X, y = make_blobs(90, centers=3, random_state=0)
    clf = NeuralNetClassifier((8,), learning_rate=1e-12, max_iter=1, batch_size=32, random_state=0).fit(X, y)
    assert clf.history_.iterations_run == 3
    assert clf.loss_curve_[0] == pytest.approx(log_loss(y, clf.predict_proba(X)), rel=1e-6)

"""Property-based tests: over shapes, depths, activations, outputs and hyperparameters (sensible
or absurd), training and prediction either succeed with finite outputs of the right shape or
raise the library's own error, never anything else."""

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from practicalnn.core.network import Network
from practicalnn.errors import PracticalNNError
from practicalnn.estimators import NeuralNetClassifier, NeuralNetRegressor
from practicalnn.training.trainer import train

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

odd_numbers = st.sampled_from([0.0, -1.0, math.nan, math.inf, -math.inf, 1e300])
values = st.one_of(st.floats(-10, 10), st.sampled_from([math.nan, math.inf, 1e200]))
# Finite inputs so large that W @ X overflows must end in the library's own error, not NaN.
engine_values = st.one_of(st.floats(-10, 10), st.sampled_from([math.nan, math.inf, 1e200]))


def knobs(wild):
    """Hyperparameter strategies: sensible ones, or (``wild``) ones that mix in absurd values."""
    if not wild:
        return dict(
            probabilities=st.floats(0.3, 1.0),
            strengths=st.floats(0.0, 2.0),
            rates=st.floats(1e-3, 0.5),
            activations=st.sampled_from(["relu", "leaky_relu", "tanh", "sigmoid"]),
            widths=st.lists(st.integers(1, 5), max_size=3),
            batch=st.one_of(st.none(), st.integers(1, 8)),
        )
    return dict(
        probabilities=st.one_of(st.floats(0.05, 1.0), odd_numbers, st.just(1.5)),
        strengths=st.one_of(st.floats(0.0, 5.0), odd_numbers),
        rates=st.one_of(st.floats(1e-4, 2.0), odd_numbers, st.just(1e6)),
        activations=st.sampled_from(["relu", "leaky_relu", "tanh", "sigmoid", "cube"]),
        widths=st.lists(st.integers(0, 5), max_size=3),
        batch=st.one_of(st.none(), st.integers(0, 8)),
    )


def _data(draw, n_x, m, n_y, output, clean):
    element = st.floats(-10, 10) if clean else engine_values
    X = draw(arrays(np.float64, (n_x, m), elements=element))
    if output == "sigmoid":
        Y = draw(arrays(np.int64, (n_y, m), elements=st.integers(0, 1 if clean else 2)))
    elif output == "softmax":
        Y = draw(arrays(np.int64, (1, m), elements=st.integers(0, n_y - 1 if clean else n_y)))
    else:
        Y = draw(arrays(np.float64, (n_y, m), elements=element))
    return X, Y


@st.composite
def runs(draw):
    n_x, m = draw(st.integers(1, 4)), draw(st.integers(1, 12))
    output = draw(st.sampled_from(["sigmoid", "softmax", "identity"]))
    n_y = draw(st.integers(2, 4)) if output == "softmax" else draw(st.integers(1, 2))
    clean = draw(st.integers(0, 3)) > 0
    X, Y = _data(draw, n_x, m, n_y, output, clean)
    k = knobs(draw(st.booleans()))
    hidden = draw(k["widths"])
    config = dict(
        learning_rate=draw(k["rates"]),
        l2=draw(k["strengths"]),
        l1=draw(k["strengths"]),
        keep_prob=draw(k["probabilities"]),
        optimizer=draw(st.sampled_from(["gd", "momentum", "rmsprop", "adam"])),
        batch_size=draw(k["batch"]),
        iterations=draw(st.integers(1, 15)),
        record_every=draw(st.integers(1, 5)),
    )
    return [n_x, *hidden, n_y], draw(k["activations"]), output, X, Y, config


@SETTINGS
@given(runs())
def test_engine_trains_or_raises_its_own_error(run):
    sizes, activation, output, X, Y, config = run
    try:
        net = Network(sizes, activation, output)
        net.initialize("he", np.random.default_rng(0))
        history = train(net, X, Y, rng=0, **config)
        A = net.predict_proba(X)
    except PracticalNNError:
        return
    assert A.shape == (sizes[-1], X.shape[1]) and np.isfinite(A).all()
    assert np.isfinite(net.params).all() and history.iterations_run == config["iterations"]
    if output != "identity":
        assert ((A >= 0) & (A <= 1)).all()


@st.composite
def estimator_runs(draw):
    classify = draw(st.booleans())
    m, n = draw(st.integers(1, 14)), draw(st.integers(1, 3))
    clean = draw(st.integers(0, 3)) > 0
    X = draw(arrays(np.float64, (m, n), elements=st.floats(-10, 10) if clean else values))
    if classify:
        y = np.array(draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=m, max_size=m)))
    else:
        y = draw(
            arrays(
                np.float64, (m,) if draw(st.booleans()) else (m, 2), elements=st.floats(-10, 10) if clean else values
            )
        )
    wild = draw(st.booleans())
    k = knobs(wild)
    params = dict(
        hidden_layer_sizes=tuple(draw(k["widths"])),
        activation=draw(k["activations"]),
        l2=draw(k["strengths"]),
        l1=draw(k["strengths"]),
        keep_prob=draw(k["probabilities"]),
        learning_rate=draw(k["rates"]),
        solver=draw(st.sampled_from(["gd", "adam", "momentum", "rmsprop"] + ["lbfgs"] * wild)),
        max_iter=draw(st.integers(0 if wild else 1, 12)),
        batch_size=draw(k["batch"]),
        early_stopping=draw(st.booleans()),
        normalize=draw(st.booleans()),
        random_state=0,
    )
    return (NeuralNetClassifier if classify else NeuralNetRegressor)(**params), X, y


@SETTINGS
@given(estimator_runs())
def test_estimators_fit_and_predict_or_raise_their_own_error(run):
    est, X, y = run
    try:
        est.fit(X, y)
        predicted = est.predict(X)
        proba = est.predict_proba(X) if hasattr(est, "predict_proba") else None
    except PracticalNNError:
        return
    assert predicted.shape == y.shape
    if proba is not None:
        assert proba.shape == (len(X), len(est.classes_)) and np.isfinite(proba).all()
        assert set(predicted) <= set(est.classes_)
    else:
        assert np.isfinite(predicted).all()

"""The initialization study (notes 12 and 15): what zeros, large random and He do, measured."""

import json

import numpy as np
import pytest

from practicalnn.cli import main
from practicalnn.core.network import Network
from practicalnn.data.datasets import load_moons
from practicalnn.diagnostics.init_study import chance_accuracy, compare_initializations, dead_units, identical_units


@pytest.fixture(scope="module")
def moons():
    return load_moons()


@pytest.fixture(scope="module")
def study(moons):
    return compare_initializations(moons, hidden=(10, 5), learning_rate=0.1, iterations=2000, rng=0)


def test_zeros_never_breaks_symmetry(study):
    run = study.run("zeros")
    net = run.result.network
    for layer in (1, 2):  # every row of W[l] equal, checked here directly
        W = net.W[layer]
        assert all(np.array_equal(W[i], W[0]) for i in range(W.shape[0]))
        assert np.all(net.b[layer] == net.b[layer][0, 0])
    assert run.identical_after == [1, 2] and not run.symmetry_broken
    assert run.dead_after == [10, 5]  # relu(0) = 0 everywhere: every hidden unit outputs 0


def test_zeros_learns_nothing_beyond_chance(study, moons):
    run = study.run("zeros")
    train_labels = moons.train_Y[0]
    majority = np.bincount(train_labels.astype(int)).argmax()
    assert run.result.train_accuracy == pytest.approx(np.mean(train_labels == majority))
    assert run.result.test_accuracy == pytest.approx(np.mean(moons.test_Y[0] == majority))
    assert len(np.unique(run.result.network.predict(moons.test_X))) == 1  # one class for every point


def test_large_random_starts_huge_and_trains_slowly(study):
    large, he = study.run("normal"), study.run("he")
    assert large.initial_cost > 100 * he.initial_cost  # log(2) ~ 0.69 is where a blank model starts
    assert large.final_cost > 10 * he.final_cost
    assert large.result.train_accuracy < he.result.train_accuracy


def test_he_trains_well_with_relu(study):
    he = study.run("he")
    assert he.symmetry_broken
    assert he.result.train_accuracy >= 0.97 and he.result.test_accuracy >= 0.9


def test_same_draw_for_every_scheme(study):
    """xavier and the notebook's scheme are the same variance (1 / n[l-1]) on the same draw."""
    assert study.run("xavier").initial_cost == study.run("notebook").initial_cost


def test_identical_units_on_hand_made_networks():
    net = Network([2, 3, 4, 1])
    net.W[1][...] = [[1.0, 2.0]] * 3
    net.W[2][...] = np.arange(12).reshape(4, 3)
    assert identical_units(net) == [1]
    net.b[1][2, 0] = 1e-3
    assert identical_units(net) == []


def test_dead_units_on_a_hand_made_network():
    net = Network([2, 3, 1])
    net.W[1][...] = [[1.0, 0.0], [-1.0, -1.0], [0.0, 1.0]]  # unit 2 is negative on positive inputs
    X = np.array([[1.0, 2.0, 0.5], [0.5, 1.0, 3.0]])
    assert dead_units(net, X) == [1]
    net.b[1][1, 0] = 5.0
    assert dead_units(net, X) == [0]


def test_chance_of_moons(moons):
    # 134 training points, 72 of class 1; the test set's 66 points hold 28 of class 1.
    chance = chance_accuracy(moons)
    assert chance["train"] == pytest.approx(72 / 134)
    assert chance["test"] == pytest.approx(28 / 66)


def test_cli_json_and_report(capsys, tmp_path):
    code = main(
        [
            "compare-init",
            "--iterations",
            "300",
            "--hidden",
            "5,3",
            "--learning-rate",
            "0.1",
            "--json",
            "--report",
            str(tmp_path / "rep"),
        ]
    )
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [r["scheme"] for r in doc["runs"]] == ["zeros", "normal", "xavier", "he", "notebook"]
    zeros = doc["runs"][0]
    assert zeros["symmetry_broken"] is False and zeros["identical_layers_after_training"] == [1, 2]
    files = {p.name for p in (tmp_path / "rep").iterdir()}
    assert {"index.html", "init_costs.png", "init_zeros_boundary.png", "init_he_boundary.png"} <= files


def test_cli_text(capsys):
    assert main(["compare-init", "--iterations", "100", "--schemes", "zeros,he", "--hidden", "4"]) == 0
    out = capsys.readouterr().out
    assert "symmetry broken" in out and "zeros" in out and "chance" in out
    assert main(["compare-init", "--schemes", "zeros,uniform", "--iterations", "10"]) == 2


# -- the other run settings (config) ---------------------------------------------------------------------
def test_the_config_reaches_every_schemes_run(moons):
    from practicalnn.training.trainer import TrainConfig

    base = TrainConfig(l2=0.7, l1=0.01, keep_prob=0.9, optimizer="adam", batch_size=32, decay_rate=0.1, beta1=0.8)
    study = compare_initializations(
        moons, schemes=("xavier", "he"), hidden=(5,), learning_rate=0.01, iterations=50, config=base
    )
    for run in study.runs:
        c = run.result.config
        assert (c.l2, c.l1, c.keep_prob, c.optimizer, c.batch_size, c.decay_rate, c.beta1) == (
            0.7,
            0.01,
            0.9,
            "adam",
            32,
            0.1,
            0.8,
        )
        assert (c.learning_rate, c.iterations, c.record_every) == (0.01, 50, 1)  # the study's own parameters
    assert study.to_dict()["config"]["l2"] == 0.7


def test_l2_adds_its_penalty_to_the_first_cost_of_the_same_draw(moons):
    from practicalnn.core.initializers import Initializer
    from practicalnn.core.random import streams
    from practicalnn.training.trainer import TrainConfig

    def first_cost(**settings):
        study = compare_initializations(
            moons, schemes=("he",), hidden=(5,), iterations=10, rng=0, config=TrainConfig(**settings)
        )
        return study.run("he")

    plain, penalized = first_cost(), first_cost(l2=0.7)
    # the weights both start from: he on the study's seed; J grows by lambda / (2 m) * sum ||W[l]||_F^2
    net = Network([2, 5, 1]).initialize(Initializer("he"), streams(0).init)
    penalty = 0.7 / (2 * moons.train_X.shape[1]) * sum(np.sum(net.W[l] ** 2) for l in (1, 2))
    assert penalized.initial_cost - plain.initial_cost == pytest.approx(penalty, rel=1e-9)
    assert penalized.final_cost != plain.final_cost


def test_cli_compare_init_flags_change_the_runs(capsys):
    def final_costs(*flags):
        args = ["compare-init", "--schemes", "he", "--hidden", "5", "--iterations", "200", "--json", *flags]
        assert main(args) == 0
        doc = json.loads(capsys.readouterr().out)
        return doc["runs"][0]["final_cost"], doc["config"]

    plain, _ = final_costs()
    for flags, field, value in [
        (["--l2", "0.7"], "l2", 0.7),
        (["--l1", "0.01"], "l1", 0.01),
        (["--keep-prob", "0.8"], "keep_prob", 0.8),
        (["--input-keep-prob", "0.9"], "input_keep_prob", 0.9),
        (["--optimizer", "momentum", "--beta1", "0.5"], "beta1", 0.5),
        (["--optimizer", "rmsprop", "--beta2", "0.9"], "beta2", 0.9),
        (["--batch-size", "32"], "batch_size", 32),
        (["--batch-size", "32", "--decay-rate", "1"], "decay_rate", 1.0),
    ]:
        cost, config = final_costs(*flags)
        assert config[field] == value and cost != plain, flags

"""--batch-norm on every command that trains, and batch normalization in the init and signal studies.

Expected values come from batch normalization's definition (a normalized layer's pre-activation has mean 0
and variance sigma^2 / (sigma^2 + epsilon) per unit over the batch, with gamma = 1 and beta = 0 at
initialization), from its invariance to the weights' scale (BN(c W a) = BN(W a) for c > 0, up to epsilon),
from the spread of relu of a standard normal (sqrt(1/2 - 1/(2 pi))), from a numeric gradient (gradcheck),
and from the notes' claims (large random weights explode over depth; zeros never breaks symmetry)."""

import json
import math

import numpy as np
import pytest

from practicalnn.cli import main
from practicalnn.core.initializers import Initializer
from practicalnn.core.network import Network
from practicalnn.data.datasets import load_moons
from practicalnn.diagnostics.init_study import compare_initializations
from practicalnn.diagnostics.signal import signal_propagation, signal_study
from practicalnn.errors import ConfigError
from practicalnn.training.run import network_options_of

DEEP = [20] * 10  # 10 hidden layers of 20 relu units


def run(args, capsys):
    try:
        code = main(args)
    except SystemExit as exit_:  # argparse errors
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def run_json(args, capsys):
    code, out, err = run([*args, "--json"], capsys)
    assert code == 0, err
    return json.loads(out)


# -- the hand-derivable facts ---------------------------------------------------------------------------
@pytest.mark.parametrize("scale", [1e-3, 1.0, 10.0])
def test_every_normalized_pre_activation_has_mean_0_and_variance_1_over_the_batch_whatever_the_weight_scale(scale):
    rng = np.random.default_rng(0)
    net = Network([20, *DEEP, 1], "relu", "sigmoid", batch_norm=True).initialize(
        Initializer("normal", scale=scale), rng
    )
    cache = net.forward(rng.standard_normal((20, 300)))
    for layer in range(1, net.n_layers):  # every hidden layer: Z_tilde = 1 * Z_norm + 0
        Z = cache.Z[layer]
        sigma2 = np.var(net.W[layer] @ cache.A[layer - 1], axis=1)  # the layer's Z before normalization
        np.testing.assert_allclose(Z.mean(axis=1), 0, atol=1e-9)
        # (Z - mu) / sqrt(sigma^2 + eps) has variance sigma^2 / (sigma^2 + eps): 1 but for epsilon's share
        np.testing.assert_allclose(Z.var(axis=1), sigma2 / (sigma2 + net.bn_epsilon), rtol=1e-9)
        np.testing.assert_allclose(Z.var(axis=1), 1, rtol=1e-2)


def test_the_signal_profile_with_batch_norm_has_pre_activations_of_spread_1_and_relu_spread_of_a_standard_normal():
    profile = signal_propagation(3, 20, "normal", "relu", examples=4096, scale=10.0, batch_norm=True)
    assert profile.batch_norm and profile.label == "normal + batch norm"
    np.testing.assert_allclose(profile.preactivation_std[:-1], 1, rtol=1e-6)  # the hidden layers
    # layer 1 takes W X with X ~ N(0, 1): per unit a normal, standardized; relu of N(0, 1) has this spread
    assert profile.activation_std[0] == pytest.approx(math.sqrt(0.5 - 1 / (2 * math.pi)), abs=0.01)


def test_batch_norm_makes_the_spread_independent_of_the_weights_scale():
    # normal(10) and He scale the same standard-normal draw: after normalization nothing of the scale is left
    large, he = (signal_propagation(10, 20, init, "relu", batch_norm=True) for init in ("normal", "he"))
    np.testing.assert_allclose(large.activation_std[:-1], he.activation_std[:-1], rtol=1e-6)


def test_the_signal_study_with_batch_norm_pairs_every_plain_profile_with_its_normalized_one():
    profiles = signal_study(10, 20, ["normal", "he"], ["relu"], batch_norm=True)
    assert [(p.init, p.batch_norm) for p in profiles] == [
        ("normal", False),
        ("normal", True),
        ("he", False),
        ("he", True),
    ]
    plain, normalized = profiles[0], profiles[1]
    # normal(10): the spread grows about 10 * sqrt(20 / 2) = 31.6 a layer: about 1e14 after 10 layers
    assert plain.activation_std[-2] > 1e12 and "exploding" in plain.flagged("activation")
    assert 0.3 < min(normalized.activation_std[:-1]) and max(normalized.activation_std[:-1]) < 1
    assert normalized.flagged("activation") == {}


# -- the init study ---------------------------------------------------------------------------------------
def test_the_init_study_with_batch_norm_trains_a_deep_large_random_network_that_diverges_without_it():
    moons = load_moons()
    study = compare_initializations(
        moons, schemes=["normal"], hidden=DEEP, iterations=40, record_every=2, batch_norm=True
    )
    plain, normalized = study.run("normal"), study.run("normal", batch_norm=True)
    assert [r.label for r in study.runs] == ["normal", "normal + batch norm"]
    assert plain.stopped == "diverged" and plain.initial_cost > 1e10
    # recorded every 2 iterations, its last finite weights (about 1e125) overflow the forward pass: kept unscored
    assert plain.result.train_accuracy is None and plain.result.test_cost is None
    assert normalized.stopped == "completed" and np.isfinite(normalized.final_cost)
    assert normalized.final_cost < normalized.initial_cost
    assert normalized.result.network.normalized == tuple(range(1, 11))
    d = study.to_dict()["runs"][1]
    assert d["batch_norm"] is True and d["label"] == "normal + batch norm"


def test_batch_norm_does_not_break_the_symmetry_of_zeros():
    # identical rows of W give identical rows of Z, of mu and sigma^2, so of Z_tilde: the units stay one
    study = compare_initializations(load_moons(), schemes=["zeros"], hidden=[4, 3], iterations=20, batch_norm=True)
    normalized = study.run("zeros", batch_norm=True)
    assert normalized.identical_after == [1, 2] and not normalized.symmetry_broken


def test_the_init_study_refuses_batch_norm_without_hidden_layers():
    with pytest.raises(ConfigError, match="batch_norm=True.*hidden layers to normalize"):
        compare_initializations(load_moons(), schemes=["he"], hidden=[], iterations=5, batch_norm=True)


def test_network_options_name_the_keyword_they_do_not_take():
    assert network_options_of(None) == {}
    with pytest.raises(ConfigError, match="network_options.*batch_norm, bn_epsilon, bn_decay"):
        network_options_of({"batchnorm": True})


# -- every command that trains takes --batch-norm ----------------------------------------------------------
def test_train_diagnose_and_recipe_normalize_their_networks(capsys):
    doc = run_json(["diagnose", "--batch-norm", "--iterations", "20"], capsys)
    assert doc["run"]["batch_norm"] == [True, True]
    doc = run_json(["recipe", "--batch-norm", "--iterations", "20", "--max-runs", "1"], capsys)
    assert doc["steps"][0]["batch_norm"] == [True]
    plain = run_json(["recipe", "--iterations", "20", "--max-runs", "1"], capsys)
    assert "batch_norm" not in plain["steps"][0]


def test_diagnose_without_training_refuses_the_flag(capsys):
    code, out, err = run(["diagnose", "--train-error", "0.1", "--dev-error", "0.2", "--batch-norm"], capsys)
    assert code == 2 and out == "" and "nothing is trained" in err and "Traceback" not in err


def test_ensemble_members_and_snapshots_are_normalized(capsys):
    args = ["ensemble", "--members", "2", "--iterations", "20"]
    doc, plain = run_json([*args, "--batch-norm"], capsys), run_json(args, capsys)
    assert doc["batch_norm"] == [True, True] and "batch_norm" not in plain
    snaps = run_json(["ensemble", "--snapshots", "2", "--iterations", "40", "--batch-norm"], capsys)
    assert snaps["batch_norm"] == [True, True] and len(snaps["members"]) == 2


def test_a_snapshot_keeps_the_running_averages_of_its_moment():
    """Each member predicts with the running averages the run had when its parameters were taken: the
    same as a network trained alone to that iteration (an independent run, not the snapshot code)."""
    from practicalnn.data.datasets import load_moons
    from practicalnn.data.splits import with_dev
    from practicalnn.regularization.ensemble import snapshot_ensemble
    from practicalnn.training.run import fit_dataset
    from practicalnn.training.trainer import TrainConfig

    data = with_dev(load_moons(), 0.5, seed=0)
    config = TrainConfig(learning_rate=0.05, iterations=60, batch_size=32, record_every=10)
    result = snapshot_ensemble(data, 2, seed=3, init="he", config=config, network_options={"batch_norm": True})
    for member in result.members:
        it = member.detail["iteration"]
        alone = fit_dataset(
            data, rng=3, init="he", config=TrainConfig(**{**config.to_dict(), "iterations": it}), batch_norm=True
        ).network
        np.testing.assert_allclose(member.network.params, alone.params, rtol=1e-12)
        for got, want in zip(member.network.running.flat(), alone.running.flat()):
            np.testing.assert_allclose(got, want, rtol=1e-12)
    assert not np.allclose(*(m.network.running.flat()[0] for m in result.members))


def test_gradcheck_checks_gamma_and_beta_against_the_numeric_gradient(capsys):
    doc = run_json(["gradcheck", "--batch-norm", "--examples", "20", "--hidden", "5,3", "--activation", "tanh"], capsys)
    assert doc["batch_norm"] == [True, True] and doc["verdict"] == "correct"
    arrays = doc["checks"][0]["arrays"]
    assert {"gamma1", "beta1", "gamma2", "beta2"} <= set(arrays) and "b1" not in arrays  # b is dropped
    assert all(a["verdict"] == "correct" for a in arrays.values())
    code, _, err = run(["gradcheck", "--batch-norm", "--examples", "1"], capsys)
    assert code == 2 and "examples=1" in err


def test_compare_optimizers_normalizes_every_optimizer(capsys):
    args = ["compare-optimizers", "--epochs", "2", "--optimizers", "gd,adam"]
    doc, plain = run_json([*args, "--batch-norm"], capsys), run_json(args, capsys)
    assert doc["batch_norm"] == [True, True] and "batch_norm" not in plain
    # the same weights and batches: the first mini-batch cost differs only by the normalization
    assert doc["runs"][0]["cost_history"][0] != pytest.approx(plain["runs"][0]["cost_history"][0])


def test_compare_init_shows_the_batch_norm_column(capsys):
    args = ["compare-init", "--schemes", "normal,he", "--hidden", ",".join(map(str, DEEP)), "--iterations", "20"]
    code, out, err = run([*args, "--batch-norm"], capsys)
    assert code == 0, err
    header = next(line for line in out.splitlines() if line.startswith("init"))
    assert "batch norm" in header
    rows = [line.split() for line in out.splitlines() if line.startswith(("normal ", "he "))]
    assert [(r[0], r[1]) for r in rows] == [("normal", "no"), ("normal", "yes"), ("he", "no"), ("he", "yes")]
    assert rows[0][-1] == "diverged" and rows[1][-1] == "completed"
    code, out, _ = run(args, capsys)
    assert code == 0 and "batch norm" not in out


def test_signal_prints_the_spread_of_every_layer_without_and_with_batch_norm(capsys):
    args = ["signal", "--depth", "4", "--width", "10", "--inits", "normal", "--activations", "relu"]
    code, out, err = run([*args, "--batch-norm"], capsys)
    assert code == 0, err
    assert "std A[l], batch norm" in out and "std Z[l], batch norm" in out
    doc = run_json([*args, "--batch-norm"], capsys)
    assert doc["batch_norm"] is True and [p["batch_norm"] for p in doc["profiles"]] == [False, True]
    np.testing.assert_allclose(doc["profiles"][1]["preactivation_std"][:-1], 1, rtol=1e-6)
    code, out, _ = run(args, capsys)
    assert code == 0 and "batch norm" not in out
    code, _, err = run([*args, "--batch-norm", "--bn-decay", "0.5"], capsys)
    assert code == 2  # one forward pass: no running averages to decay
    code, _, err = run(["signal", "--linear", "--batch-norm"], capsys)
    assert code == 2 and "--linear" in err


def test_the_reports_show_the_batch_norm_column(tmp_path):
    from practicalnn.report.diagnostics import init_study_report, signal_report

    data = load_moons()
    study = compare_initializations(data, schemes=["he"], hidden=[4, 3], iterations=20, batch_norm=True)
    html = init_study_report(study, data, tmp_path / "init").read_text()
    assert "batch norm" in html and "he + batch norm" in html
    profiles = signal_study(3, 5, ["he"], ["relu"], batch_norm=True)
    setup = {"depth": 3, "width": 5, "examples": 256, "seed": 0, "scale": 10.0, "threshold": 1e6}
    html = signal_report(profiles, [], tmp_path / "signal", setup=setup).read_text()
    assert "batch norm" in html


def test_a_diverged_run_that_does_not_overflow_keeps_its_scores():
    # the notes' shallow large-random case: diverged or not, its weights still evaluate, so it is scored
    study = compare_initializations(load_moons(), schemes=["normal"], iterations=20)
    assert study.runs[0].result.train_accuracy is not None


def test_batch_norm_on_chosen_hidden_layers_only(capsys, tmp_path):
    """--batch-norm 2 normalizes the second hidden layer alone: gamma2 and beta2 in the file, b1 kept."""
    model = tmp_path / "m.npz"
    args = ["train", "--iterations", "30", "--batch-size", "32", "--hidden", "8,4", "--save", str(model)]
    doc = run_json([*args, "--batch-norm", "2"], capsys)
    assert doc["batch_norm"] == [False, True]
    code, out, _ = run([*args, "--batch-norm", "2"], capsys)
    assert code == 0 and "batch norm on hidden layer 2)" in out.splitlines()[0]
    from practicalnn.io.model_file import read_model

    net = read_model(model).network
    assert net.normalized == (2,) and set(net.parameters()) == {"W1", "b1", "W2", "gamma2", "beta2", "W3", "b3"}
    for bad, named in ((["--batch-norm", "3"], "batch_norm='3'"), (["--batch-norm", "0"], "--batch-norm")):
        code, out, err = run([*args, *bad], capsys)
        assert code == 2 and named in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err

"""The basic recipe as a loop (notes 4), and the generalization flags of the CLI."""

import json
from types import SimpleNamespace

import numpy as np
import pytest

from practicalnn.cli import main
from practicalnn.diagnostics.bias_variance import diagnose
from practicalnn.experiments import recipe as recipe_module
from practicalnn.experiments.recipe import Settings, basic_recipe


def _fake_run(outcome):
    """Stand in for training: errors are a function of the settings, so the path can be derived by hand."""

    def run(dataset, s, *args):
        train, dev = outcome(s)
        d = diagnose(train, dev)
        return SimpleNamespace(
            train_error=train, dev_error=dev, diagnosis=d, result=SimpleNamespace(test_accuracy=1 - dev)
        )

    return run


FAKE_DATA = SimpleNamespace(train_X=np.zeros((2, 1000)), image_shape=None, name="fake")


def _outcome(s):
    width = s.hidden[0]
    train = {4: 0.20, 8: 0.10}.get(width, 0.01)  # bias falls as the network grows to 16
    gap = 0.10 if s.l2 < 10 else (0.07 if s.l2 < 30 else 0.01)  # L2 10 helps, L2 30 more
    if s.keep_prob < 1:
        gap += 0.05  # dropout hurts here
    return train, train + gap


def test_bias_first_then_variance_repeating_what_helps(monkeypatch):
    monkeypatch.setattr(recipe_module, "_run", _fake_run(_outcome))
    r = basic_recipe(FAKE_DATA, settings=Settings(hidden=(4,)), max_runs=10)
    # by hand: 4 -> 8 -> 16 (bias), then L2 0 -> 10 (dev 0.08, better) -> 30 (fine): stop
    assert [s.change for s in r.steps] == [
        "start",
        "wider network: hidden 4 -> 8",
        "wider network: hidden 8 -> 16",
        "regularize: L2 lambda 0 -> 10",
        "regularize: L2 lambda 10 -> 30",
    ]
    assert [s.verdict for s in r.steps][-1] == "fine" and r.stopped == "fine"
    assert r.best.index == 5


def _no_l2(s):
    train, dev = _outcome(s)
    return train, dev if s.l2 == 0 else dev + 0.2  # now L2 hurts: the recipe must move on


def test_a_failed_action_is_dropped_and_the_next_starts_from_the_best(monkeypatch):
    monkeypatch.setattr(recipe_module, "_run", _fake_run(_no_l2))
    r = basic_recipe(FAKE_DATA, settings=Settings(hidden=(16,)), max_runs=4)
    assert [s.change for s in r.steps] == [
        "start",
        "regularize: L2 lambda 0 -> 10",
        "regularize: dropout keep_prob 1 -> 0.9",
        "augment: Gaussian jitter sigma 0 -> 0.05",
    ]
    assert [s.based_on for s in r.steps] == [None, 1, 1, 1]  # each from step 1, the best
    assert r.stopped == "budget" and r.best.index == 1


def test_target_stops_the_loop(monkeypatch):
    monkeypatch.setattr(recipe_module, "_run", _fake_run(_outcome))
    r = basic_recipe(FAKE_DATA, settings=Settings(hidden=(4,)), target_dev_error=0.25, max_runs=10)
    assert len(r.steps) == 2 and r.reached and r.stopped == "target met"


def test_real_runs_report_true_errors():
    from practicalnn.data.datasets import load_dataset

    d = load_dataset("breast_cancer")
    r = basic_recipe(
        d, settings=Settings(hidden=(2,), iterations=30, learning_rate=0.1), max_runs=2, target_dev_error=0.0
    )
    assert len(r.steps) == 2
    for step in r.steps:
        ev = step.evaluation
        net, data = ev.result.network, ev.dataset
        assert step.dev_error == pytest.approx(1 - np.mean(net.predict(data.dev_X) == d.dev_Y))
        assert step.train_error == pytest.approx(1 - np.mean(net.predict(data.train_X) == d.train_Y))


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_recipe_json(capsys):
    out = _json(
        capsys,
        [
            "recipe",
            "--dataset",
            "breast_cancer",
            "--hidden",
            "2",
            "--iterations",
            "20",
            "--max-runs",
            "2",
            "--target-dev-error",
            "0",
            "--json",
        ],
    )
    assert len(out["steps"]) == 2 and out["stopped"] == "budget"
    assert {"change", "train_error", "dev_error", "verdict"} <= set(out["steps"][0])


def test_cli_train_generalization_flags(capsys):
    out = _json(
        capsys,
        [
            "train",
            "--dataset",
            "breast_cancer",
            "--normalize",
            "--init",
            "he",
            "--iterations",
            "200",
            "--learning-rate",
            "0.3",
            "--record-every",
            "100",
            "--json",
        ],
    )
    assert out["normalization"]["normalized"]["iterations_to_target"] is not None
    assert out["diagnosis"]["verdict"] in ("fine", "high variance", "high bias", "high bias and high variance")
    assert len(out["standardizer"]["mean"]) == 30
    out = _json(
        capsys,
        [
            "train",
            "--dataset",
            "moons",
            "--early-stopping",
            "--patience",
            "2",
            "--check-every",
            "50",
            "--hidden",
            "10",
            "--init",
            "he",
            "--iterations",
            "3000",
            "--optimizer",
            "adam",
            "--learning-rate",
            "0.01",
            "--batch-size",
            "32",
            "--jitter",
            "0.05",
            "--json",
        ],
    )
    assert out["optimizer"] == "adam" and out["batch_size"] == 32
    assert out["early_stopping"]["best_iteration"] is not None and "dev_accuracy" in out


def test_cli_ensemble(capsys):
    out = _json(
        capsys,
        [
            "ensemble",
            "--hidden",
            "4",
            "--iterations",
            "50",
            "--members",
            "2",
            "--normalize",
            "--learning-rate",
            "0.1",
            "--json",
        ],
    )
    assert len(out["members"]) == 2 and 0 <= out["ensemble_dev_accuracy"] <= 1
    assert main(["ensemble", "--rng", "notebook"]) == 2


def test_reports_show_the_path_and_the_early_stopping_point(capsys, tmp_path):
    assert (
        main(
            [
                "recipe",
                "--dataset",
                "breast_cancer",
                "--hidden",
                "2",
                "--iterations",
                "20",
                "--max-runs",
                "2",
                "--report",
                str(tmp_path / "recipe"),
            ]
        )
        == 0
    )
    assert "step 2:" in capsys.readouterr().out
    assert (tmp_path / "recipe" / "recipe.png").stat().st_size > 0
    assert (
        main(
            [
                "train",
                "--dataset",
                "moons",
                "--early-stopping",
                "--patience",
                "2",
                "--check-every",
                "100",
                "--init",
                "he",
                "--iterations",
                "2000",
                "--report",
                str(tmp_path / "es"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "early stopping: best dev cost" in out and "bias/variance:" in out
    page = (tmp_path / "es" / "index.html").read_text()
    assert "curves.png" in page and "Bias and variance" in page
    assert (
        main(["ensemble", "--hidden", "3", "--iterations", "20", "--members", "2", "--report", str(tmp_path / "ens")])
        == 0
    )
    assert (tmp_path / "ens" / "ensemble.png").exists()


def _needs_time(s):
    """Only training longer lowers the bias: 0.30 at 1000 iterations, 0.05 less per doubling."""
    import math

    train = 0.30 - 0.05 * math.log2(s.iterations / 1000)
    return train, train + 0.01


def test_useless_growth_is_dropped_and_longer_training_repeated(monkeypatch):
    monkeypatch.setattr(recipe_module, "_run", _fake_run(_needs_time))
    r = basic_recipe(FAKE_DATA, settings=Settings(hidden=(4,), iterations=1000), max_runs=4)
    assert [s.change for s in r.steps] == [
        "start",
        "wider network: hidden 4 -> 8",
        "train longer: 1000 -> 2000 iterations",
        "train longer: 2000 -> 4000 iterations",
    ]
    assert [s.based_on for s in r.steps] == [None, 1, 1, 3]
    assert r.best.settings.iterations == 4000 and r.best.settings.hidden == (4,)


def test_recipe_arguments_are_checked():
    from practicalnn.errors import ConfigError

    with pytest.raises(ConfigError, match="max_runs"):
        basic_recipe(FAKE_DATA, max_runs=0)
    with pytest.raises(ConfigError, match="target_dev_error"):
        basic_recipe(FAKE_DATA, target_dev_error=2.0)


# -- what every run shares (config) ----------------------------------------------------------------------
def _shared_recipe(config=None, batch_size=None):
    from practicalnn.data.datasets import load_moons
    from practicalnn.data.splits import with_dev

    data = with_dev(load_moons(), 0.25, seed=0)
    start = Settings(hidden=(4,), iterations=60, learning_rate=0.1, optimizer="adam")
    return basic_recipe(data, settings=start, max_runs=2, target_dev_error=0.0, config=config, batch_size=batch_size)


def test_the_base_config_reaches_every_run_and_the_recipe_keeps_its_own_settings():
    from practicalnn.training.trainer import TrainConfig

    base = TrainConfig(l1=0.01, input_keep_prob=0.9, decay_rate=0.5, beta1=0.8, beta2=0.99, batch_size=32, l2=5.0)
    result = _shared_recipe(base)
    assert len(result.steps) == 2
    for step in result.steps:
        c, s = step.evaluation.result.config, step.settings
        assert (c.l1, c.input_keep_prob, c.decay_rate, c.beta1, c.beta2, c.batch_size) == (
            0.01,
            0.9,
            0.5,
            0.8,
            0.99,
            32,
        )
        # what the recipe changes is the step's, not the base's (its L2 of 5 is not used)
        assert (c.l2, c.keep_prob, c.optimizer, c.iterations, c.learning_rate) == (
            s.l2,
            s.keep_prob,
            s.optimizer,
            s.iterations,
            s.learning_rate,
        )
        assert step.to_dict()["config"]["l1"] == 0.01
    assert _shared_recipe(base, batch_size=16).steps[0].evaluation.result.config.batch_size == 16  # explicit wins


@pytest.mark.parametrize(
    "field,value", [("l1", 0.05), ("input_keep_prob", 0.8), ("decay_rate", 0.5), ("beta1", 0.5), ("beta2", 0.9)]
)
def test_a_shared_setting_changes_the_runs(field, value):
    from practicalnn.training.trainer import TrainConfig

    plain = _shared_recipe().steps[0].evaluation.result.history.cost
    changed = _shared_recipe(TrainConfig(**{field: value})).steps[0].evaluation.result.history.cost
    assert changed != plain


def test_cli_recipe_takes_the_shared_flags(capsys):
    flags = ["--l1", "0.01", "--input-keep-prob", "0.9", "--decay-rate", "0.5", "--batch-size", "32"]
    flags += ["--optimizer", "adam", "--beta1", "0.8", "--beta2", "0.99"]
    argv = ["recipe", "--dataset", "moons", "--hidden", "3", "--iterations", "20", "--max-runs", "2"]
    out = _json(capsys, [*argv, "--target-dev-error", "0", "--json", *flags])
    for step in out["steps"]:
        c = step["config"]
        assert (c["l1"], c["input_keep_prob"], c["decay_rate"], c["batch_size"], c["beta1"], c["beta2"]) == (
            0.01,
            0.9,
            0.5,
            32,
            0.8,
            0.99,
        )
    assert main([*argv, *flags]) == 0
    assert (
        "l1 0.01, input_keep_prob 0.9, batch_size 32, decay_rate 0.5, beta1 0.8, beta2 0.99" in capsys.readouterr().out
    )

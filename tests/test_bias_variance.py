"""Bias/variance diagnosis (notes 3) and the basic recipe's next steps (notes 4)."""

import pytest

from practicalnn.cli import main
from practicalnn.diagnostics.bias_variance import diagnose
from practicalnn.errors import ConfigError


@pytest.mark.parametrize(
    "train, dev, verdict",
    [
        (0.01, 0.11, "high variance"),
        (0.15, 0.16, "high bias"),
        (0.15, 0.14, "high bias"),  # the notes' own version of the example
        (0.15, 0.30, "high bias and high variance"),
        (0.005, 0.01, "fine"),
    ],
)
def test_the_notes_four_examples(train, dev, verdict):
    d = diagnose(train, dev)
    assert d.verdict == verdict
    assert d.avoidable_bias == pytest.approx(train)
    assert d.variance == pytest.approx(dev - train)


def test_bayes_error_moves_the_baseline():
    d = diagnose(0.15, 0.16, bayes_error=0.15)
    assert d.verdict == "fine"
    assert d.avoidable_bias == 0.0 and d.variance == pytest.approx(0.01)


def test_next_steps_follow_the_recipe():
    bias = diagnose(0.15, 0.16).next_steps
    assert any("bigger network" in s for s in bias) and any("longer" in s for s in bias)
    assert any("optimizer" in s for s in bias)
    variance = diagnose(0.01, 0.11).next_steps
    assert any("more data" in s for s in variance) and any("regularization" in s for s in variance)
    both = diagnose(0.15, 0.30).next_steps
    assert both[0].startswith("first, bias")


def test_thresholds_are_parameters():
    assert diagnose(0.01, 0.11, variance_threshold=0.2).verdict == "fine"
    assert diagnose(0.015, 0.02, bias_threshold=0.01).verdict == "high bias"


def test_to_dict_and_errors():
    d = diagnose(0.01, 0.11).to_dict()
    assert d["verdict"] == "high variance" and d["high_variance"] and not d["high_bias"]
    with pytest.raises(ConfigError, match="train_error"):
        diagnose(11, 0.2)
    with pytest.raises(ConfigError, match="bayes_error"):
        diagnose(0.1, 0.2, bayes_error=-0.1)


def test_cli_diagnose(capsys):
    assert main(["diagnose", "--train-error", "0.01", "--dev-error", "0.11", "--json"]) == 0
    import json

    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "high variance"
    assert main(["diagnose", "--train-error", "0.15", "--dev-error", "0.16", "--bayes-error", "0.15"]) == 0
    assert "fine" in capsys.readouterr().out
    assert main(["diagnose", "--train-error", "2", "--dev-error", "0.1"]) == 2

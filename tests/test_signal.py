"""Vanishing and exploding signals (notes 11-12), against the notes' printout and hand derivations."""

import json

import numpy as np
import pytest

from practicalnn.cli import main
from practicalnn.diagnostics.signal import describe_flags, linear_chain, signal_propagation, signal_study
from practicalnn.errors import ConfigError

# The notes' printout: layer = W @ X, then nine more products, printed after each.
NOTES_EXPLODE = [2.25, 3.375, 5.0625, 7.59375, 11.390625, 17.0859375, 25.62890625, 38.44335938, 57.66503906]
NOTES_VANISH = [0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625, 0.00195312, 0.00097656]


def test_linear_chain_matches_the_notes_printout():
    explode, vanish = linear_chain(1.5, 10, 3), linear_chain(0.5, 10, 3)
    np.testing.assert_allclose(explode.values[1:], NOTES_EXPLODE, atol=5e-9)
    np.testing.assert_allclose(vanish.values[1:], NOTES_VANISH, atol=5e-9)
    assert explode.values[0] == 1.5 and vanish.values[0] == 0.5


def test_linear_chain_is_factor_to_the_depth():
    # 1.5^l = 3^l / 2^l is exact in float64 for l <= 33, 0.5^l for any l here.
    chain = linear_chain(1.5, 30, 2)
    assert chain.values == [3**l / 2**l for l in range(1, 31)]
    assert linear_chain(0.5, 50, 2).values[-1] == 2.0**-50


@pytest.mark.parametrize("init,c", [("he", 2.0), ("xavier", 1.0), ("normal", 100.0)])
def test_relu_spread_changes_by_sqrt_c_over_2_per_layer(init, c):
    """Hand derivation: z = W a with Var(W) = c / n gives E[z^2] = c E[a^2]; relu keeps half of a
    symmetric z's second moment, so the spread of A changes by sqrt(c / 2) a layer."""
    # normal with scale 1 on width 100: c = n * scale^2 = 100
    profile = signal_propagation(30, 100, init, "relu", examples=400, scale=1.0, rng=1)
    stds = np.array(profile.activation_std[:-1])
    gain = (stds[-1] / stds[1]) ** (1 / (len(stds) - 2))
    assert gain == pytest.approx(np.sqrt(c / 2), rel=0.05)


def test_large_random_relu_activations_explode():
    profile = signal_propagation(20, 100, "normal", "relu", examples=64, scale=10.0, rng=0)
    # gain 10 * sqrt(100 / 2) = 70.7 a layer: past 1e6 times the input's spread from layer 4 on
    assert profile.flagged("activation")["exploding"][0] <= 4
    assert profile.activation_std[9] > 1e15


def test_sigmoid_gradients_vanish_and_he_relu_stays_flat():
    """sigmoid' <= 1/4, so 40 layers shrink dW[1] by far more than 1e6; He + relu keeps it within
    a few times the last layer's."""
    sig = signal_propagation(40, 30, "xavier", "sigmoid", examples=64, rng=0)
    assert sig.grad_flags[0] == "vanishing" and sig.grad_flags[-1] == ""
    assert sig.grad_ratio[0] < 0.25**20
    he = signal_propagation(40, 100, "he", "relu", examples=128, rng=0)
    assert he.flagged("grad") == {} and he.flagged("activation") == {}
    assert 0.05 < he.grad_ratio[0] < 20


def test_zeros_has_zero_gradients_in_hidden_layers():
    profile = signal_propagation(5, 10, "zeros", "relu", examples=8, rng=0)
    assert profile.grad_flags == ["zero"] * 6
    assert profile.activation_std[:-1] == [0.0] * 5


def test_study_covers_every_pair_and_validates():
    profiles = signal_study(4, 8, ["xavier", "he"], ["relu", "tanh"], examples=8)
    assert [(p.activation, p.init) for p in profiles] == [
        ("relu", "xavier"),
        ("relu", "he"),
        ("tanh", "xavier"),
        ("tanh", "he"),
    ]
    assert all(len(p.grad_norm) == 5 and len(p.activation_std) == 5 for p in profiles)
    with pytest.raises(ConfigError, match="depth"):
        signal_propagation(0, 10)
    with pytest.raises(ConfigError, match="init"):
        signal_propagation(3, 10, "uniform")


def test_describe_flags():
    assert describe_flags({}) == "-"
    assert describe_flags({"vanishing": [1, 2, 3, 7], "zero": [9]}) == "vanishing 1-3, 7; zero 9"


def test_cli_json_and_report(capsys, tmp_path):
    assert (
        main(
            [
                "signal",
                "--depth",
                "6",
                "--width",
                "10",
                "--examples",
                "16",
                "--inits",
                "he,normal",
                "--activations",
                "relu",
                "--json",
                "--report",
                str(tmp_path / "r"),
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert [p["init"] for p in doc["profiles"]] == ["he", "normal"]
    assert len(doc["profiles"][0]["grad_norm"]) == 7
    assert (tmp_path / "r" / "index.html").exists() and (tmp_path / "r" / "signal_grad_norm.png").exists()


def test_cli_text_and_linear(capsys):
    assert main(["signal", "--depth", "4", "--width", "8", "--examples", "8", "--per-layer"]) == 0
    out = capsys.readouterr().out
    assert "gradient flags" in out and "sigmoid" in out and "ratio to last" in out
    assert main(["signal", "--linear", "--depth", "10", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["linear"][0]["values"][-1] == pytest.approx(57.66503906)
    assert main(["signal", "--depth", "0"]) == 2


# -- will it fit? --------------------------------------------------------------------------------------
def test_signal_memory_estimate_counted_by_hand():
    from practicalnn.diagnostics.signal import linear_bytes, signal_bytes

    # depth 1, width 2, 3 examples: layers [2, 2, 1]; 2*(2+1) + 1*(2+1) = 9 parameters, float64, and as
    # many for the gradient: 144 bytes; Z and A of 5 units and two 2-unit buffers per example: 14 * 3 * 8
    assert signal_bytes(1, 2, 3) == 144 + 336
    # linear chain of depth 2, width 3: layers [3, 3, 3] hold 2 * 3 * 4 = 24 parameters (192 bytes), one
    # 3x3 identity (72), and Z, A of 9 units plus two 3-unit buffers for one column (24 numbers: 192)
    assert linear_bytes(2, 3) == 192 + 72 + 192


@pytest.mark.parametrize(
    "flags,needed",
    [
        # width 100: 10402 numbers per example (Z, A of 5101 units, two 100-unit buffers): 8.32e15 bytes
        (["--examples", "100000000000"], "7.57e+03 TiB"),
        # width 1e8: 50 * 1e8 * (1e8 + 1) weights and biases, twice (the gradient), 8 bytes each: 8e18 bytes
        (["--width", "100000000"], "7.28e+06 TiB"),
    ],
)
def test_cli_signal_refuses_what_cannot_fit_with_the_estimate_and_the_engines_available_memory(
    monkeypatch, flags, needed, capsys
):
    import practicalnn.core.memory as memory

    monkeypatch.setattr(memory, "available_bytes", lambda: 3 * 2**30)  # the engine's reading, not signal's own
    assert main(["signal", *flags]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert f"it needs about {needed} and 3 GiB is available" in err
    assert err.startswith("practicalnn signal: error: depth=50, width=")

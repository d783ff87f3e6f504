"""Errors and warnings of the diagnostics name the real cause, and impossible requests are refused
before they end in a MemoryError or an OverflowError."""

import os
import tracemalloc

import pytest

from practicalnn.cli import main
from practicalnn.core.memory import available_bytes as available_memory
from practicalnn.data.datasets import load_moons
from practicalnn.diagnostics.bias_variance import diagnose
from practicalnn.diagnostics.init_study import compare_initializations
from practicalnn.diagnostics.signal import (
    check_memory,
    linear_chain,
    signal_bytes,
    signal_propagation,
    signal_study,
)
from practicalnn.errors import ConfigError


def test_a_train_error_below_the_bayes_error_is_warned_about_not_reported_as_negative_bias():
    d = diagnose(0.1, 0.2, bayes_error=0.5)
    # train 10% < Bayes 50%: no avoidable bias can be negative; the Bayes estimate is what is wrong
    assert d.avoidable_bias == 0.0
    assert d.variance == pytest.approx(0.1) and d.verdict == "high variance"
    (warning,) = d.warnings
    assert "below the Bayes error" in warning and "estimate" in warning
    assert "warning:" in d.summary() and d.to_dict()["warnings"] == [warning]
    assert diagnose(0.15, 0.16, bayes_error=0.15).warnings == []


def test_cli_diagnose_json_carries_the_warning(capsys):
    import json

    assert main(["diagnose", "--bayes-error", "0.5", "--train-error", "0.1", "--dev-error", "0.2", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["avoidable_bias"] == 0.0 and "below the Bayes error" in doc["warnings"][0]


def test_an_overflowing_init_scale_is_blamed_on_the_scale_not_the_inputs():
    with pytest.raises(ConfigError) as caught:
        compare_initializations(load_moons(), schemes=("normal",), scale=1e300, iterations=10)
    message = str(caught.value)
    assert message.startswith("scale=1e+300") and "standardize" not in message


def test_cli_compare_init_scale_message(capsys):
    assert main(["compare-init", "--scale", "1e300", "--iterations", "10"]) == 2
    err = capsys.readouterr().err
    assert "scale=1e+300" in err and "standardize" not in err


def test_an_empty_list_is_named_with_what_it_should_hold():
    with pytest.raises(ConfigError, match=r"^inits=\[\]: expected at least one initialization"):
        signal_study(5, 4, inits=[], activations=["relu"])
    with pytest.raises(ConfigError, match=r"^activations=\[\]: expected at least one hidden activation"):
        signal_study(5, 4, inits=["he"], activations=[])


def test_cli_signal_empty_inits(capsys):
    # refused while parsing, naming the flag and the initializations it takes (not the activations)
    with pytest.raises(SystemExit) as exit_:
        main(["signal", "--inits", ""])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "--inits" in err and "initializations" in err and "relu" not in err


def test_a_network_too_large_for_memory_is_refused_with_the_estimate():
    # W[1] alone of a 10^8-wide network holds 10^16 float64 numbers: 8e16 bytes, about 71 PiB
    with pytest.raises(ConfigError) as caught:
        signal_propagation(depth=50, width=100_000_000)
    message = str(caught.value)
    assert "width=100000000" in message and "fits in memory" in message and "available" in message


def test_cli_signal_width_refused(capsys):
    assert main(["signal", "--width", "100000000"]) == 2
    assert "fits in memory" in capsys.readouterr().err


def test_check_memory_reports_both_sizes():
    with pytest.raises(ConfigError, match=r"depth=3, width=7: .* about 977 KiB and 97.7 KiB is available"):
        check_memory(1_000_000, available=100_000, depth=3, width=7)
    check_memory(1_000, available=100_000, depth=3)  # fits: no error


def test_available_memory_is_at_most_the_physical_memory():
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    available = available_memory()
    assert available is not None and 0 < available <= total


def test_the_estimate_is_of_the_order_of_what_numpy_allocates():
    tracemalloc.start()
    try:
        signal_propagation(depth=10, width=300, examples=256)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert 0.5 * peak <= signal_bytes(10, 300, 256) <= 3 * peak


def test_a_deep_linear_chain_overflows_to_inf_instead_of_raising():
    chain = linear_chain(1.5, depth=2000)
    # 1.5^1750 is about 1.44e308, just under float64's largest 1.8e308; 1.5^1751 is beyond it
    assert chain.expected[1749] == pytest.approx(1.5**1750) and chain.expected[1750] == float("inf")
    assert linear_chain(0.5, depth=2000).expected[-1] == 0.0


def test_cli_signal_linear_deep(capsys):
    assert main(["signal", "--linear", "--depth", "2000", "--json"]) == 0

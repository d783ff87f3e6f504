"""Bad input of every kind is one line on stderr, exit 2, naming the flag; train's network flags
reach the commands that can honour them and are refused, with the reason, by those that cannot."""

import argparse
import errno

import pytest

from practicalnn.cli import _types, main
from practicalnn.errors import ConfigError


def run(args, capsys):
    try:
        code = main(args)
    except SystemExit as exit_:  # argparse errors
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code, out, err, *named):
    assert code == 2, (code, err)
    assert out == "" and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and "Warning" not in err
    for text in named:
        assert text in err, err


@pytest.mark.parametrize(
    "argv,named",
    [
        (["train", "--hidden", "20,,3"], ["--hidden", "empty part"]),
        (["train", "--hidden", ","], ["--hidden", "empty part"]),
        (["train", "--keep-prob", "0.9,"], ["--keep-prob", "empty part"]),
        (["train", "--keep-prob", "0.9,,0.8"], ["--keep-prob", "empty part"]),
        (["sweep", "--l2", "0.1,"], ["--l2", "empty part"]),
        (["sweep", "--l2", "0.1,0.1"], ["--l2", "twice"]),
        (["sweep", "--l2", "0.1,1e-1"], ["--l2", "twice"]),
        (["sweep", "--keep-prob", "0.9,0.9"], ["--keep-prob", "twice"]),
        (["compare-init", "--schemes", "he,,he"], ["--schemes", "empty part"]),
        (["compare-init", "--schemes", "he,he"], ["--schemes", "'he' twice"]),
        (["signal", "--inits", ""], ["--inits", "initializations", "at least one"]),
        (["signal", "--activations", "relu,relu"], ["--activations", "twice"]),
    ],
)
def test_empty_parts_and_duplicates_are_refused_naming_the_flag(argv, named, capsys):
    one_line_error(*run(argv, capsys), *named)


def test_signal_with_no_inits_asks_for_initializations_not_activations(capsys):
    _, _, err = run(["signal", "--inits", ""], capsys)
    assert "xavier" in err and "tanh" not in err


def test_comma_list_for_other_commands_refuses_an_empty_value():
    # cli/bench.py builds --only on comma_list: `--only ''` must not run nothing
    with pytest.raises(argparse.ArgumentTypeError, match="at least one"):
        _types.comma_list("", "workloads")
    with pytest.raises(argparse.ArgumentTypeError, match="twice"):
        _types.comma_list("w1,w1", "workloads", unique=True)
    assert _types.comma_list(" w1, w2 ") == ["w1", "w2"]


def test_hidden_and_keep_prob_lists_that_make_sense_still_work(capsys):
    code, out, _ = run(["train", "--hidden", "5,5", "--keep-prob", "0.9,0.9", "--iterations", "3", "--json"], capsys)
    assert code == 0 and '"layer_sizes": [\n    2,\n    5,\n    5,\n    1\n  ]' in out
    code, out, _ = run(["train", "--hidden", "", "--iterations", "3", "--json"], capsys)  # '' is no hidden layer
    assert code == 0 and '"layer_sizes": [\n    2,\n    1\n  ]' in out


@pytest.mark.parametrize(
    "argv,named",
    [
        (["train", "--jitter", "inf"], "jitter=inf"),
        (["train", "--learning-rate", "inf"], "learning_rate=inf"),
        (["train", "--l2=-inf"], "l2=-inf"),
        (["train", "--keep-prob", "0.9,nan"], "keep_prob=[0.9, nan]"),
        (["sweep", "--l2", "0,inf"], "l2=[0.0, inf]"),
        (["diagnose", "--train-error", "nan", "--dev-error", "0.1"], "train_error=nan"),
        (["signal", "--threshold", "inf"], "threshold=inf"),
        (["recipe", "--target-dev-error", "nan"], "target_dev_error=nan"),
    ],
)
def test_inf_and_nan_are_refused_before_anything_runs(argv, named, capsys):
    code, out, err = run(argv, capsys)
    one_line_error(code, out, err, named, "finite")


@pytest.mark.parametrize(
    "argv,flag",
    [
        (["compare-init", "--rng", "notebook"], "--rng"),
        (["compare-init", "--init", "he"], "--init"),
        (["recipe", "--rng", "notebook"], "--rng"),
        (["gradcheck", "--optimizer", "adam"], "--optimizer"),
        (["gradcheck", "--batch-size", "8"], "--batch-size"),
    ],
)
def test_a_network_flag_a_command_cannot_honour_is_refused_with_what_it_takes(argv, flag, capsys):
    code, out, err = run(argv, capsys)
    one_line_error(code, out, err, f"{flag} is not taken", "--hidden", "--learning-rate")
    assert "unrecognized" not in err


def test_the_help_lists_which_network_flags_a_command_takes(capsys):
    _, out, _ = run(["compare-init", "--help"], capsys)
    takes, _, refused = " ".join(out.split()).partition("takes")[2].partition("; not")
    assert "--record-every" in takes and "--l2" in takes and "--init" not in takes
    assert "--init" in refused and "--rng" in refused and "--l2" not in refused
    _, out, _ = run(["gradcheck", "--help"], capsys)
    takes, _, refused = " ".join(out.split()).partition("takes")[2].partition("; not")
    assert "--l2" in takes and "--optimizer" not in takes
    assert "--optimizer" in refused and "--batch-size" in refused


def test_recipe_takes_l2_keep_prob_and_record_every_for_its_first_run(monkeypatch, capsys):
    import practicalnn.cli.recipe as recipe

    seen = {}

    def fake(dataset, **kwargs):
        seen.update(kwargs)
        raise ConfigError("stop here")

    monkeypatch.setattr(recipe, "basic_recipe", fake)
    run(["recipe", "--dataset", "moons", "--l2", "1", "--keep-prob", "0.8", "--record-every", "7"], capsys)
    assert (seen["settings"].l2, seen["settings"].keep_prob, seen["record_every"]) == (1.0, 0.8, 7)
    code, out, err = run(["recipe", "--keep-prob", "0.8,0.9"], capsys)
    one_line_error(code, out, err, "keep_prob=[0.8, 0.9]")


def test_compare_init_takes_record_every(monkeypatch, capsys):
    import practicalnn.cli.compare_init as compare_init

    seen = {}

    def fake(dataset, **kwargs):
        seen.update(kwargs)
        raise ConfigError("stop here")

    monkeypatch.setattr(compare_init, "compare_initializations", fake)
    run(["compare-init", "--record-every", "50", "--schemes", "he,xavier"], capsys)
    assert seen["record_every"] == 50 and seen["schemes"] == ["he", "xavier"]


def test_a_report_path_that_cannot_be_created_is_refused_before_training(capsys):
    one_line_error(*run(["train", "--report", "/dev/null/x"], capsys), "report='/dev/null/x'")


def test_an_os_error_while_writing_names_the_flag_and_exits_2(monkeypatch, tmp_path, capsys):
    import practicalnn.report.reproduce as reports

    target = tmp_path / "r"

    def disk_full(result, dataset, directory):
        raise OSError(errno.ENOSPC, "No space left on device", str(directory / "index.html"))

    monkeypatch.setattr(reports, "train_report", disk_full)
    code, out, err = run(["train", "--iterations", "3", "--report", str(target)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"report='{target}'" in err and "No space left on device" in err


def test_an_os_error_elsewhere_names_the_flag_its_path_came_from(monkeypatch, tmp_path, capsys):
    import practicalnn.cli.train as train

    model = tmp_path / "model.pnn"

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(model))

    monkeypatch.setattr(train, "fit_dataset", denied)
    code, out, err = run(["train", "--iterations", "3", "--save", str(model)], capsys)
    one_line_error(code, out, err, f"save='{model}'", "Permission denied")


@pytest.mark.parametrize("error", [MemoryError("Unable to allocate 745. GiB"), OverflowError("int too large")])
def test_sizes_that_cannot_fit_are_one_line_and_exit_2(monkeypatch, error, capsys):
    import practicalnn.cli.train as train

    def too_large(*args, **kwargs):
        raise error

    monkeypatch.setattr(train, "fit_dataset", too_large)
    code, out, err = run(["train", "--hidden", "100000000"], capsys)
    one_line_error(code, out, err, "too large", str(error))


@pytest.mark.parametrize(
    "module,name,argv",
    [
        ("ensemble", "snapshot_ensemble", ["ensemble", "--snapshots", "1000000", "--iterations", "100"]),
        ("ensemble", "train_ensemble", ["ensemble", "--members", "2"]),
        ("train", "fit_dataset", ["train", "--dataset", "digits", "--shift", "1"]),  # a shift digits can take
        ("diagnose", "diagnose", ["diagnose", "--bayes-error", "0.5", "--train-error", "0.1", "--dev-error", "0.2"]),
    ],
)
def test_library_refusals_are_one_line_and_exit_2(monkeypatch, module, name, argv, capsys):
    import importlib

    def refuse(*args, **kwargs):  # a library message that spans lines still prints as one
        raise ConfigError("bayes_error=0.5: expected at most train_error\n(the avoidable bias cannot be negative)")

    monkeypatch.setattr(importlib.import_module(f"practicalnn.cli.{module}"), name, refuse)
    code, out, err = run(argv, capsys)
    one_line_error(code, out, err, "bayes_error=0.5", "cannot be negative")


def test_a_shift_larger_than_the_image_is_refused_in_one_line(capsys):
    # the library refuses it before any training (it used to run a minute at chance accuracy)
    code, out, err = run(["train", "--dataset", "digits", "--shift", "100"], capsys)
    one_line_error(code, out, err, "max_shift=100", "8 x 8")

"""Ctrl-C in a command that trains more than once: what finished is printed as a finished result
would be, one line "interrupted" goes to stderr, and the exit status is 130.

The library reports Ctrl-C by raising ``errors.Interrupted`` with the finished part in ``partial``;
here the library function runs for real (tiny sizes) and its result comes back as that partial.
"""

import importlib

import pytest

from practicalnn.cli import main
from practicalnn.errors import Interrupted


def run(args, capsys):
    try:
        code = main(args)
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def interrupt_after(monkeypatch, module, name):
    """Make ``module.name`` run, then raise Interrupted carrying what it computed."""
    target = importlib.import_module(module)
    real = getattr(target, name)

    def interrupted(*args, **kwargs):
        raise Interrupted("interrupted", real(*args, **kwargs))

    monkeypatch.setattr(target, name, interrupted)


SMALL = ["--iterations", "20", "--hidden", "3"]
CASES = [
    ("practicalnn.cli.recipe", "basic_recipe", ["recipe", "--dataset", "moons", "--max-runs", "1", *SMALL], "Best:"),
    (
        "practicalnn.cli.compare_init",
        "compare_initializations",
        ["compare-init", "--schemes", "he", *SMALL],
        "symmetry broken",
    ),
    ("practicalnn.cli.ensemble", "train_ensemble", ["ensemble", "--members", "2", *SMALL], "ensemble dev accuracy"),
    ("practicalnn.cli.ensemble", "snapshot_ensemble", ["ensemble", "--snapshots", "2", *SMALL], "snapshots"),
    ("practicalnn.experiments.recipe", "evaluate_run", ["diagnose", *SMALL], "verdict:"),
    (
        "practicalnn.experiments.sweep",
        "sweep",
        ["sweep", "--workers", "1", "--l2", "0", "--keep-prob", "1", *SMALL],
        "best",
    ),
    (
        "practicalnn.cli.gradcheck",
        "check_network_gradients",
        ["gradcheck", "--after", "5", "--examples", "5", "--hidden", "3"],
        "Verdict:",
    ),
    (
        "practicalnn.cli.compare_optimizers",
        "compare_optimizers",
        ["compare-optimizers", "--optimizers", "gd,adam", "--epochs", "2"],
        "oscillation",
    ),
    (
        "practicalnn.diagnostics.normalization",
        "normalization_effect",
        ["train", "--normalize", *SMALL],
        "normalization (feature std",
    ),
]


@pytest.mark.parametrize("module,name,argv,printed", CASES, ids=[c[2][0] + "-" + c[1] for c in CASES])
def test_an_interrupted_command_prints_what_finished_and_exits_130(monkeypatch, module, name, argv, printed, capsys):
    interrupt_after(monkeypatch, module, name)
    code, out, err = run(argv, capsys)
    assert code == 130, err
    assert printed in out
    assert err.strip().splitlines()[-1] == f"practicalnn {argv[0]}: interrupted"


def test_json_output_of_an_interrupted_command_is_still_one_document(monkeypatch, capsys):
    import json

    interrupt_after(monkeypatch, "practicalnn.cli.compare_init", "compare_initializations")
    code, out, err = run(["compare-init", "--schemes", "he", *SMALL, "--json"], capsys)
    assert code == 130 and [r["scheme"] for r in json.loads(out)["runs"]] == ["he"]


def test_ctrl_c_before_anything_finished_exits_130_with_one_line(monkeypatch, capsys):
    import practicalnn.cli.recipe as recipe

    def nothing_finished(*args, **kwargs):
        raise Interrupted("interrupted", None)

    monkeypatch.setattr(recipe, "basic_recipe", nothing_finished)
    code, out, err = run(["recipe", "--dataset", "moons", *SMALL], capsys)
    assert code == 130 and err.strip().splitlines()[-1] == "practicalnn recipe: interrupted"


NOTHING_FINISHED = [
    ("practicalnn.cli.recipe", "basic_recipe", ["recipe", "--dataset", "moons", *SMALL]),
    ("practicalnn.cli.compare_init", "compare_initializations", ["compare-init", *SMALL]),
    ("practicalnn.cli.ensemble", "snapshot_ensemble", ["ensemble", "--snapshots", "2", *SMALL]),
    ("practicalnn.experiments.recipe", "evaluate_run", ["diagnose", *SMALL]),
    ("practicalnn.cli.gradcheck", "check_network_gradients", ["gradcheck", "--after", "5", "--examples", "5"]),
    ("practicalnn.cli.compare_optimizers", "compare_optimizers", ["compare-optimizers", "--epochs", "2"]),
    ("practicalnn.experiments.reproduce", "run_experiment", ["reproduce", "--no-report"]),
]


@pytest.mark.parametrize("module,name,argv", NOTHING_FINISHED, ids=[c[2][0] for c in NOTHING_FINISHED])
def test_ctrl_c_before_any_run_finished_says_what_was_interrupted_in_one_line(monkeypatch, module, name, argv, capsys):
    def nothing_finished(*args, **kwargs):
        raise Interrupted("the first run was interrupted at iteration 7", None)

    monkeypatch.setattr(importlib.import_module(module), name, nothing_finished)
    code, out, err = run(argv, capsys)
    last = err.strip().splitlines()[-1]
    assert code == 130 and "Traceback" not in err
    if argv[0] == "reproduce":  # reproduce() keeps the (no) finished experiments and says how many
        assert last == "practicalnn reproduce: interrupted" and "Interrupted after 0 of 3" in out
    else:
        assert last == f"practicalnn {argv[0]}: interrupted: the first run was interrupted at iteration 7"


def test_a_plain_keyboard_interrupt_exits_130(monkeypatch, capsys):
    import practicalnn.cli.signals as signals

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(signals, "signal_study", ctrl_c)
    code, out, err = run(["signal", "--depth", "2"], capsys)
    assert code == 130 and err == "practicalnn signal: interrupted\n"


def test_train_check_monotonic_interrupted_prints_the_training_and_exits_130(monkeypatch, capsys):
    import practicalnn.diagnostics.monotonic as monotonic

    def ctrl_c(*args, **kwargs):
        raise Interrupted("interrupted", None)

    monkeypatch.setattr(monotonic, "check_monotonic_dataset", ctrl_c)
    code, out, err = run(["train", "--check-monotonic", *SMALL], capsys)
    assert code == 130 and "accuracy" in out and err.strip().splitlines()[-1] == "practicalnn train: interrupted"


def test_an_interrupted_training_starts_no_further_one(monkeypatch, capsys):
    import practicalnn.cli.train as train
    import practicalnn.diagnostics.monotonic as monotonic

    real = train.fit_dataset

    def interrupted_fit(*args, **kwargs):
        result = real(*args, **kwargs)
        result.history.stopped = "interrupted"  # what the trainer records on Ctrl-C
        return result

    def must_not_run(*args, **kwargs):
        raise AssertionError("trained again after Ctrl-C")

    monkeypatch.setattr(train, "fit_dataset", interrupted_fit)
    monkeypatch.setattr(monotonic, "check_monotonic_dataset", must_not_run)
    code, out, err = run(["train", "--check-monotonic", "--normalize", *SMALL], capsys)
    assert code == 130 and "accuracy" in out and "normalization" not in out


def test_reproduce_stops_at_the_interrupted_experiment_and_exits_130(monkeypatch, capsys):
    import practicalnn.experiments.reproduce as reproduce  # the CLI runs experiments.reproduce.reproduce

    real, calls = reproduce.run_experiment, []

    def second_interrupted(name, callbacks=()):
        calls.append(name)
        if len(calls) == 2:
            raise Interrupted("interrupted", None)
        return real(name, callbacks=callbacks)

    monkeypatch.setattr(reproduce, "run_experiment", second_interrupted)
    code, out, err = run(["reproduce", "--no-report"], capsys)
    assert code == 130 and len(calls) == 2
    assert "no_regularization" in out and "Interrupted after 1 of 3 experiments" in out
    assert err.strip().splitlines()[-1] == "practicalnn reproduce: interrupted"

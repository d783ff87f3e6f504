"""Search spaces from flags and files, and bad input: one clear line naming the argument, no study touched."""

import json
import time

import pytest

pytest.importorskip("optuna")
pytest.importorskip("distributed")

from practicalnn.cli import main
from practicalnn.errors import ConfigError
from practicalnn.experiments.tune.space import SearchSpace, parse_flag, read_space_file


def test_flag_kinds():
    assert parse_flag("learning_rate=log:1e-4:1").distribution().log
    lr = parse_flag("learning_rate=log:1e-4:1").distribution()
    assert (lr.low, lr.high) == (1e-4, 1.0)
    l2 = parse_flag("l2=0:1")  # LOW:HIGH is a uniform range
    assert l2.kind == "uniform" and not l2.distribution().log
    assert parse_flag("hidden=choice:20,3|40,10").values == ("20,3", "40,10")
    assert parse_flag("optimizer=choice:gd,adam").values == ("gd", "adam")
    assert parse_flag("iterations=5000").values == (5000,)
    assert parse_flag("batch_size=int:16:64").distribution().low == 16
    assert parse_flag("keep_prob=choice:1|0.9,0.8").values == ("1", "0.9,0.8")


def test_log_sampling_is_log_uniform():
    """Half the draws of log:1e-4:1 fall below 1e-2 (the geometric middle), as the notes' log scale says."""
    import optuna

    space = SearchSpace([parse_flag("learning_rate=log:1e-4:1")])
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    draws = [study.ask(space.distributions()).params["learning_rate"] for _ in range(400)]
    below = sum(d < 1e-2 for d in draws) / len(draws)
    assert 0.43 < below < 0.57
    assert all(1e-4 <= d <= 1 for d in draws)


def test_toml_and_json_files(tmp_path):
    toml = tmp_path / "space.toml"
    toml.write_text(
        'learning_rate = "log:1e-4:1"\nl2 = {uniform = [0, 1]}\nhidden = [[20, 3], [40, 10]]\n'
        'keep_prob = [0.9, 0.8]\niterations = 500\noptimizer = ["gd", "adam"]\n'
    )
    knobs = {k.name: k for k in read_space_file(toml)}
    assert knobs["hidden"].values == ("20,3", "40,10") and knobs["hidden"].kind == "choice"
    assert knobs["keep_prob"].kind == "fixed" and knobs["keep_prob"].values == ("0.9,0.8",)
    assert knobs["l2"].values == (0.0, 1.0) and knobs["iterations"].values == (500,)
    assert knobs["optimizer"].kind == "choice"
    js = tmp_path / "space.json"
    js.write_text(json.dumps({"space": {"learning_rate": {"log": [1e-3, 0.5]}}}))
    assert read_space_file(js)[0].distribution().log


@pytest.mark.parametrize(
    "flag, words",
    [
        ("learning_rate=log:0:1", "log range"),
        ("l2=1:0", "inverted"),
        ("l2=uniform:0.5:0.5", "empty"),
        ("momentum=0.9", "knob among"),
        ("keep_prob=uniform:0:1", "keep_prob"),
        ("learning_rate=uniform:0:1", "learning_rate"),
        ("hidden=choice:20,3|0", "hidden"),
        ("optimizer=choice:gd,sgd", "optimizer"),
        ("activation=log:1:2", "range"),
        ("l2", "NAME=SPEC"),
    ],
)
def test_bad_knobs_name_the_argument(flag, words):
    with pytest.raises(ConfigError) as err:
        parse_flag(flag)
    assert words in str(err.value)
    assert str(err.value).startswith("--param")


def test_grid_needs_choices():
    space = SearchSpace([parse_flag("l2=choice:0,0.1"), parse_flag("batch_size=int:1:3")])
    assert space.grid() == {"batch_size": [1, 2, 3], "l2": [0.0, 0.1]} and space.grid_size() == 6
    with pytest.raises(ConfigError, match="grid"):
        SearchSpace([parse_flag("l2=0:1")]).grid()


def _one_line_error(capsys, argv, *needles):
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0
    assert len(err) <= 2 and "Traceback" not in "\n".join(err)  # the study line, then the error
    assert all(n in err[-1] for n in needles), err
    return err[-1]


def test_cli_bad_input_is_one_line_and_leaves_the_study_alone(tmp_path, capsys):
    import optuna

    db = tmp_path / "s.db"
    url = f"sqlite:///{db}"
    base = ["tune", "--storage", url, "--workers", "0", "--trials", "2", "--param", "iterations=20"]
    assert main([*base, "--param", "learning_rate=log:1e-3:1", "--sampler", "random"]) == 0
    capsys.readouterr()
    before = [
        (t.number, t.state, t.params) for t in optuna.load_study(study_name="practicalnn-tune", storage=url).trials
    ]
    _one_line_error(capsys, [*base, "--param", "learning_rate=log:0:1"], "--param learning_rate", "log range")
    _one_line_error(capsys, [*base, "--param", "depth=3"], "--param", "knob among")
    _one_line_error(capsys, [*base, "--param", "l2=0:1"], "--study-name", "setup")  # a different space
    _one_line_error(capsys, [*base, "--param", "l2=0:1", "--sampler", "grid"], "grid")
    after = [
        (t.number, t.state, t.params) for t in optuna.load_study(study_name="practicalnn-tune", storage=url).trials
    ]
    assert after == before
    _one_line_error(capsys, [*base, "--param", "l2=0:1", "--storage", "nosuchdb://x"], "--storage")
    _one_line_error(capsys, [*base, "--param", "l2=0:1", "--storage", f"sqlite:///{tmp_path}/no/dir/s.db"], "--storage")
    bad_db = tmp_path / "notadb.db"
    bad_db.write_text("this is not a database" * 100)
    _one_line_error(capsys, [*base, "--param", "l2=0:1", "--storage", f"sqlite:///{bad_db}"], "--storage")
    _one_line_error(capsys, ["study", "show", "--storage", url, "--study-name", "nope"], "--study-name")


def test_unreachable_scheduler_fails_fast(tmp_path, capsys):
    """A scheduler nobody listens at: one line naming --scheduler within the connect timeout."""
    argv = ["tune", "--storage", f"sqlite:///{tmp_path}/s.db", "--param", "l2=0:1"]
    started = time.monotonic()
    _one_line_error(capsys, [*argv, "--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "1"], "--scheduler")
    assert time.monotonic() - started < 10
    assert not (tmp_path / "s.db").exists() or "practicalnn-tune" not in _names(tmp_path / "s.db")


def _names(db):
    import optuna

    return optuna.study.get_all_study_names(f"sqlite:///{db}")


def test_batch_norm_knob_is_a_switch():
    assert parse_flag("batch_norm=choice:true|false").values == (True, False)
    assert parse_flag("batch-norm=yes").values == (True,)
    assert parse_flag("batch_norm=0").values == (False,)
    with pytest.raises(ConfigError, match="--param batch_norm"):
        parse_flag("batch_norm=maybe")
    with pytest.raises(ConfigError, match="--param batch_norm"):
        parse_flag("batch_norm=uniform:0:1")

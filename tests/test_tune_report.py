"""``practicalnn tune --report`` through the CLI: the files it writes, what the page says, and the
figures' values, each checked against the study's own record (Optuna's API on the SQLite file the
command wrote) or against ``practicalnn train``, not against the code that drew them."""

import json
import shlex

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

optuna = pytest.importorskip("optuna")
pytest.importorskip("distributed")

from practicalnn.cli import main  # noqa: E402
from practicalnn.report.html import Report  # noqa: E402

STUDY = "practicalnn-tune"


@pytest.fixture
def figures(monkeypatch):
    """{filename: Figure} of the report the test's command writes."""
    found = {}
    original = Report.write

    def write(self, directory):
        found.update(dict(self._figures))
        return original(self, directory)

    monkeypatch.setattr(Report, "write", write)
    return found


def _stored(directory):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.load_study(study_name=STUDY, storage=f"sqlite:///{directory / 'study.db'}")


def _complete(study):
    return study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))


def _tune(directory, *args):
    return main(["tune", "--dataset", "breast_cancer", "--normalize", *args, "--report", str(directory)])


def test_report_on_a_local_cluster_shows_the_stored_best_trial_and_its_test_score(tmp_path, capsys, figures):
    knobs = ["learning_rate=log:1e-2:1", "l2=0:1", "hidden=choice:10|20,3", "iterations=300"]
    flags = [w for k in knobs for w in ("--param", k)]
    run = ["--trials", "10", "--sampler", "random", "--pruner", "median", "--workers", "2", "--seed", "2"]
    assert _tune(tmp_path / "rep", *flags, *run) == 0
    out = capsys.readouterr().out
    assert out.startswith("Study of 10 trials on breast_cancer") and "median pruning every 33 iterations" in out
    study = _stored(tmp_path / "rep")
    complete = _complete(study)
    best = min(complete, key=lambda t: (t.value, t.user_attrs["slot"]))
    slot = best.user_attrs["slot"]
    page = (tmp_path / "rep" / "index.html").read_text()
    files = {"index.html", "study.db", "history.png", "parallel.png", "best_cost.png", "best_error.png"}
    files |= {"importances.png"} if len(complete) >= 5 else set()
    assert files <= {p.name for p in (tmp_path / "rep").iterdir()}
    assert f"The best trial: #{slot}" in page
    row = page[page.index(f"<tr><td>{slot}</td>") :].split("</tr>")[0]
    assert '<td class="text">complete</td>' in row and f"<td>{best.value:.6g}</td>" in row

    # the command it prints trains the trial again: the study's dev cost to the bit, and the test score the page gives
    command = next(line for line in out.splitlines() if line.startswith("re-run it alone: "))
    argv = shlex.split(command.removeprefix("re-run it alone: "))[1:]
    assert main([*argv, "--json"]) == 0
    alone = json.loads(capsys.readouterr().out)
    assert alone["dev_cost"] == best.value
    assert f"test set, scored once for the winner: accuracy {_six(alone['test_accuracy'])}, " in page
    assert f"cost {_six(alone['test_cost'])} (113 examples)" in page

    # the history's complete trials are the stored ones; the best trial's dev curve ends at its dev cost
    history = figures["history.png"].axes[0]
    dots = next(line for line in history.get_lines() if line.get_label() == "complete trial")
    by_slot = sorted((t.user_attrs["slot"], t.value) for t in complete)
    assert list(dots.get_xdata()) == [s for s, _ in by_slot] and list(dots.get_ydata()) == [v for _, v in by_slot]
    dev = next(line for line in figures["best_cost.png"].axes[0].get_lines() if line.get_label() == "dev cost")
    assert dev.get_xdata()[-1] == 300 and dev.get_ydata()[-1] == best.value


def _six(x):
    return f"{x:.6f}".rstrip("0").rstrip(".")


GRID = ["--param", "l2=choice:0|0.5|2", "--param", "keep_prob=choice:1|0.8", "--param", "iterations=200"]


def _expected_grid(study, metric):
    """(keep_prob rows, l2 columns) of ``metric`` (``value``, or a key of the stored result) from the
    complete trials in storage; NaN where no trial completed."""
    grid = np.full((2, 3), np.nan)
    for t in _complete(study):
        # keep_prob is kept as text (a list of numbers, one per layer, is a value too)
        r, c = ["1", "0.8"].index(t.params["keep_prob"]), [0.0, 0.5, 2.0].index(t.params["l2"])
        grid[r, c] = t.value if metric == "value" else t.user_attrs["result"][metric]
    return grid


def test_grid_heat_maps_and_path_hold_the_stored_values(tmp_path, capsys, figures):
    assert _tune(tmp_path / "rep", *GRID, "--sampler", "grid", "--pruner", "none", "--workers", "0") == 0
    assert capsys.readouterr().out.splitlines()[0].endswith("grid sampler, no pruning, in this process")
    study = _stored(tmp_path / "rep")
    dev, train = _expected_grid(study, "value"), _expected_grid(study, "train_cost")
    shown = {name: figures[f"heatmap_{name}.png"].axes[0] for name in ("dev", "train")}
    np.testing.assert_array_equal(np.ma.filled(shown["dev"].images[0].get_array(), np.nan), dev)
    np.testing.assert_array_equal(np.ma.filled(shown["train"].images[0].get_array(), np.nan), train)
    words = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in shown["dev"].texts}
    for (r, c), text in words.items():
        assert text == ("not run" if np.isnan(dev[r, c]) else f"{dev[r, c]:.3f}")  # costs below 1000
    assert [t.get_text() for t in shown["dev"].get_xticklabels()] == ["0", "0.5", "2"]
    lines = {line.get_label(): line.get_ydata() for line in figures["regularization_path.png"].axes[0].get_lines()}
    np.testing.assert_array_equal(lines["dev, keep_prob 1"], dev[0])
    np.testing.assert_array_equal(lines["train, keep_prob 0.8"], train[1])


def test_a_grid_study_runs_every_cell_once(tmp_path, capsys):
    assert _tune(tmp_path / "rep", *GRID, "--sampler", "grid", "--pruner", "none", "--workers", "0") == 0
    capsys.readouterr()
    cells = sorted((t.params["l2"], t.params["keep_prob"]) for t in _stored(tmp_path / "rep").trials)
    assert cells == sorted((a, k) for a in (0.0, 0.5, 2.0) for k in ("1", "0.8"))


def test_pruned_and_failed_cells_say_so():
    from practicalnn.experiments.tune.space import SearchSpace, parse_flag
    from practicalnn.report.tune_figures import grid_view

    space = SearchSpace([parse_flag("l2=choice:0|1"), parse_flag("hidden=choice:10|20,3")])
    row = {"train_cost": 0.2, "dev_cost": 0.3}
    table = [
        {"params": {"l2": 0.0, "hidden": "10"}, "state": "complete", **row},
        {"params": {"l2": 1.0, "hidden": "10"}, "state": "pruned", **row},
        {"params": {"l2": 0.0, "hidden": "20,3"}, "state": "failed", **row},
    ]
    view = grid_view(table, space, "dev_cost")
    assert (view.x_name, view.x_values, view.y_name, view.y_values) == ("l2", [0.0, 1.0], "hidden", ["10", "20,3"])
    words = [[view.blank_at(r, c) for c in range(2)] for r in range(2)]
    assert words == [["complete", "pruned"], ["failed", "not run"]]
    np.testing.assert_array_equal(view.grid("dev_cost"), [[0.3, np.nan], [np.nan, np.nan]])


def _rc():
    return {key: matplotlib.rcParams._get(key) for key in matplotlib.rcParams}  # _get: resolves no backend


def test_the_report_leaves_pyplot_and_the_random_state_alone(tmp_path, capsys):
    np.random.seed(7)
    before = (_rc(), plt.get_fignums(), np.random.get_state()[1].copy())
    assert _tune(tmp_path / "rep", *GRID, "--sampler", "grid", "--pruner", "none", "--workers", "0") == 0
    capsys.readouterr()
    assert _rc() == before[0] and plt.get_fignums() == before[1]
    assert np.array_equal(np.random.get_state()[1], before[2])


def test_reading_a_study_that_is_not_there_creates_no_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["study", "show"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--storage='sqlite:///study.db'" in err and "DIR/study.db" in err
    assert list(tmp_path.iterdir()) == []


def test_a_study_where_every_trial_failed_says_why_and_draws_nothing(tmp_path):
    import html

    from practicalnn.data.datasets import Dataset
    from practicalnn.experiments.tune import tune
    from practicalnn.report.tune import tune_report

    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 90)) * 3
    Y = (X.sum(axis=0, keepdims=True) * 4) ** 2  # a regression that a learning rate of 5 or 10 blows up
    data = Dataset("reg", X[:, :50], Y[:, :50], X[:, 70:], Y[:, 70:], "identity", dev_X=X[:, 50:70], dev_Y=Y[:, 50:70])
    knobs = ["learning_rate=choice:5.0|10.0", "iterations=100", "hidden=8", "init=he"]
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    result = tune(data, knobs, sampler="grid", pruner="none", storage=storage, workers=0)
    page = tune_report(result, tmp_path / "rep", data=data).read_text()
    stored = _stored(tmp_path).trials
    assert {t.state for t in stored} == {optuna.trial.TrialState.FAIL} and "<img" not in page
    for t in stored:
        assert html.escape(t.user_attrs["result"]["message"]) in page

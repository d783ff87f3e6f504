"""The notebook's three experiments against its published figures (an independent file)."""

import contextlib
import json

import pytest

from practicalnn import Network, fast, load_moons, notebook, train
from practicalnn.cli import main

EXPERIMENTS = {
    "no_regularization": {},
    "l2_lambd_0.7": {"l2": 0.7},
    "dropout_keep_prob_0.86": {"keep_prob": 0.86},
}


@pytest.mark.parametrize("path", ["reference", "fast"])
@pytest.mark.parametrize("name", EXPERIMENTS)
def test_engine_reproduces_the_notebook(reference, name, path):
    expected = reference["training"][name]
    data = load_moons()
    net = Network([2, 20, 3, 1], "relu", "sigmoid")
    with fast.disabled() if path == "reference" else contextlib.nullcontext():
        history = train(
            net,
            data.train_X,
            data.train_Y,
            rng="notebook",
            init="notebook",
            learning_rate=0.3,
            iterations=30000,
            **EXPERIMENTS[name],
        )
    costs = dict(zip(history.iterations, history.cost))
    assert history.iterations == list(range(0, 30000, 1000))
    for iteration, cost in expected["cost"].items():
        assert costs[int(iteration)] == pytest.approx(cost, rel=1e-9, abs=0)
    assert net.accuracy(data.train_X, data.train_Y) == expected["train_accuracy"]
    assert net.accuracy(data.test_X, data.test_Y) == expected["test_accuracy"]


def test_notebook_model_prints_the_notebooks_dropout_run(reference, capsys):
    train_X, train_Y, test_X, test_Y = notebook.load_moons()
    params = notebook.model(train_X, train_Y, keep_prob=0.86, learning_rate=0.3, plot_cost=False)
    notebook.predict(train_X, train_Y, params)
    notebook.predict(test_X, test_Y, params)
    lines = capsys.readouterr().out.splitlines()
    expected = reference["training"]["dropout_keep_prob_0.86"]
    printed = {int(l.split()[3].rstrip(":")): float(l.split()[-1]) for l in lines if l.startswith("Cost after")}
    assert printed.keys() == {0, 10000, 20000}
    for it, cost in expected["cost"].items():
        assert printed[int(it)] == pytest.approx(cost, rel=1e-9, abs=0)
    assert lines[-2:] == [f"Accuracy: {expected['train_accuracy']}", f"Accuracy: {expected['test_accuracy']}"]


def test_cli_reproduce_json_matches_the_published_figures(reference, capsys, tmp_path):
    code = main(["reproduce", "--json", "--report", str(tmp_path / "report")])
    out = capsys.readouterr().out
    doc = json.loads(out)
    assert code == 0 and doc["all_match"] is True
    names = [e["name"] for e in doc["experiments"]]
    assert names == ["no_regularization", "l2", "dropout"]
    for exp, key in zip(doc["experiments"], EXPERIMENTS):
        expected = reference["training"][key]
        assert exp["train_accuracy"] == expected["train_accuracy"]
        assert exp["test_accuracy"] == expected["test_accuracy"]
        assert exp["cost_history"][10] == pytest.approx(expected["cost"]["10000"], rel=1e-9)
        assert len(exp["cost_history"]) == 30
    assert exp["keep_prob"] == 0.86
    index = tmp_path / "report" / "index.html"
    assert index.exists()
    html = index.read_text()
    for png in ("no_regularization_train.png", "l2_test.png", "dropout_cost.png", "costs_all.png"):
        assert png in html and (tmp_path / "report" / png).stat().st_size > 5000

"""Sweeps: each cell is the run `train` would make, in parallel or not; the grid, the CLI and the report."""

import json

import numpy as np
import pytest

from practicalnn.cli import main
from practicalnn.data.datasets import load_moons
from practicalnn.errors import ConfigError
from practicalnn.experiments.sweep import sweep
from practicalnn.training.run import fit_dataset
from practicalnn.training.trainer import TrainConfig

CONFIG = TrainConfig(learning_rate=0.3, iterations=400, record_every=100)


@pytest.fixture(scope="module")
def moons():
    return load_moons()


@pytest.fixture(scope="module")
def parallel(moons):
    return sweep(moons, [0.0, 0.7], [1.0, 0.86], config=CONFIG, rng="notebook", workers=2)


def test_each_cell_is_the_standalone_run(moons, parallel):
    for l2, keep in [(0.0, 1.0), (0.7, 1.0), (0.0, 0.86)]:
        alone = fit_dataset(
            moons, rng="notebook", config=TrainConfig(**{**CONFIG.to_dict(), "l2": l2, "keep_prob": keep})
        )
        cell = parallel.cell(l2, keep)
        assert cell.train_accuracy == alone.train_accuracy
        assert cell.dev_accuracy == alone.test_accuracy  # moons has no dev split: its test set serves
        assert cell.train_cost == alone.train_cost
        assert cell.final_cost == alone.history.cost[-1]


def test_parallel_equals_sequential(moons, parallel):
    sequential = sweep(moons, [0.0, 0.7], [1.0, 0.86], config=CONFIG, rng="notebook", workers=1)
    assert [c.to_dict() for c in sequential.cells] == [c.to_dict() for c in parallel.cells]


def test_grid_layout_rows_are_keep_prob(parallel):
    grid = parallel.grid("train_accuracy")
    assert grid.shape == (2, 2)
    assert grid[1, 0] == parallel.cell(0.0, 0.86).train_accuracy
    assert [(c.l2, c.keep_prob) for c in parallel.cells] == [(0.0, 1.0), (0.7, 1.0), (0.0, 0.86), (0.7, 0.86)]
    best = parallel.best()
    assert best.dev_accuracy == np.nanmax(parallel.grid("dev_accuracy"))


@pytest.mark.parametrize(
    "kwargs,argument",
    [
        ({"l2": [-0.1]}, "l2"),
        ({"keep_prob": [0.0]}, "keep_prob"),
        ({"keep_prob": [1.2]}, "keep_prob"),
        ({"l2": [0.1, 0.1]}, "l2"),
        ({"workers": 0}, "workers"),
        ({"l2": []}, "l2"),
    ],
)
def test_bad_arguments_are_named(moons, kwargs, argument):
    with pytest.raises(ConfigError, match=argument):
        sweep(moons, **{"config": CONFIG, **kwargs})


def test_cli_json_and_report(tmp_path, capsys):
    code = main(
        [
            "sweep",
            "--l2",
            "0,0.7",
            "--keep-prob",
            "1,0.9",
            "--iterations",
            "200",
            "--json",
            "--report",
            str(tmp_path / "rep"),
        ]
    )
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["l2_values"] == [0.0, 0.7] and doc["keep_prob_values"] == [1.0, 0.9]
    assert len(doc["cells"]) == 4 and doc["iterations"] == 200
    for name in ("index.html", "heatmap_dev.png", "heatmap_train.png", "regularization_path.png"):
        assert (tmp_path / "rep" / name).is_file()


def test_cli_table_and_bad_flag(capsys):
    assert main(["sweep", "--l2", "0,0.3", "--keep-prob", "1", "--iterations", "100", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "best test accuracy" in out and "keep_prob" in out
    assert main(["sweep", "--l2", "-1", "--iterations", "10"]) == 2
    assert "l2" in capsys.readouterr().err


def test_cli_dev_fraction_keeps_the_test_set_out_of_the_choice(capsys):
    assert (
        main(
            [
                "sweep",
                "--l2",
                "0,0.3",
                "--keep-prob",
                "1",
                "--iterations",
                "100",
                "--workers",
                "1",
                "--dev-fraction",
                "0.25",
                "--json",
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["dev_set"] == "dev"
    # the 134 training examples give up about a quarter (rounded per class) to the dev set
    assert doc["m_train"] + doc["m_dev"] == 134
    assert 32 <= doc["m_dev"] <= 35
    assert main(["sweep", "--l2", "0", "--iterations", "10", "--dev-fraction", "1.5"]) == 2
    assert "dev_fraction" in capsys.readouterr().err


def test_cli_batch_norm_reaches_every_cell(moons, capsys):
    """`sweep --batch-norm`: each cell is the batch-normalized run fit_dataset makes (not the plain one)."""
    code = main(["sweep", "--l2", "0,0.3", "--keep-prob", "1", "--iterations", "200", "--batch-norm", "--workers", "1",
                 "--json"])  # fmt: skip
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["batch_norm"] is True
    config = TrainConfig(iterations=200)
    for cell in doc["cells"]:
        alone = fit_dataset(moons, rng=0, config=TrainConfig(**{**config.to_dict(), "l2": cell["l2"]}),
                            batch_norm=True)  # fmt: skip
        plain = fit_dataset(moons, rng=0, config=TrainConfig(**{**config.to_dict(), "l2": cell["l2"]}))
        assert cell["train_cost"] == alone.train_cost != plain.train_cost
    assert main(["sweep", "--batch-norm", "--bn-decay", "2", "--iterations", "10", "--workers", "1"]) == 2
    assert "bn_decay" in capsys.readouterr().err

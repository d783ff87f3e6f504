"""The command line: JSON output, reports, and every bad input answered with one line on stderr,
a non-zero exit, and no traceback."""

import json
import subprocess
import sys

import pytest

from practicalnn.cli import main


def run(args, capsys):
    try:
        code = main(args)
    except SystemExit as exit_:  # argparse errors
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def csv_files(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(
        "a,b,label\n" + "".join(f"{i % 7 / 7},{(i * 3) % 5 / 5},{'yes' if i % 2 else 'no'}\n" for i in range(40))
    )
    three = tmp_path / "three.csv"
    three.write_text("a,b,y\n" + "".join(f"{i / 30},{(i * 7) % 11},{i % 3}\n" for i in range(30)))
    text = tmp_path / "text.csv"
    text.write_text("a,b,y\n1,2,0\n3,hello,1\n4,5,0\n6,7,1\n")
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b,y\n1,2,0\n3,1\n")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    return {
        "good": good,
        "three": three,
        "text": text,
        "ragged": ragged,
        "binary": binary,
        "missing": tmp_path / "nope.csv",
    }


BAD = [
    (["--keep-prob", "0"], "keep_prob=0.0"),
    (["--keep-prob", "1.2"], "keep_prob=1.2"),
    (["--keep-prob", "0.5,0.5,0.5"], "keep_prob=[0.5, 0.5, 0.5]"),
    (["--keep-prob", "x"], "--keep-prob"),
    (["--l2", "-0.1"], "l2=-0.1"),
    (["--l1", "-2"], "l1=-2.0"),
    (["--learning-rate", "0"], "learning_rate=0.0"),
    (["--learning-rate", "-1"], "learning_rate=-1.0"),
    (["--learning-rate", "nan"], "learning_rate=nan"),
    (["--iterations", "0"], "iterations=0"),
    (["--iterations", "-5"], "iterations=-5"),
    (["--dataset", "mnist"], "dataset='mnist'"),
    (["--activation", "swish"], "activation='swish'"),
    (["--init", "orthogonal"], "init='orthogonal'"),
    (["--hidden", "20,0"], "hidden="),
    (["--record-every", "0"], "record_every=0"),
    (["--output", "identity"], "output='identity'"),
]


@pytest.mark.parametrize("args,named", BAD)
def test_bad_flags_exit_non_zero_with_one_line(args, named, capsys):
    code, out, err = run(["train", "--iterations", "3", *args], capsys)
    assert code != 0
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert named in err and "Traceback" not in err


@pytest.mark.parametrize(
    "name,extra,named",
    [
        ("missing", [], "data="),
        ("text", [], "'hello'"),
        ("ragged", [], "line 3"),
        ("binary", [], "data="),
        ("good", ["--output", "identity"], "output='identity'"),
        ("three", ["--output", "sigmoid"], "output='sigmoid'"),
    ],
)
def test_bad_csv_files_exit_non_zero_with_one_line(csv_files, name, extra, named, capsys):
    code, out, err = run(
        [
            "train",
            "--dataset",
            str(csv_files[name]),
            "--target",
            "y" if name != "good" else "label",
            "--iterations",
            "3",
            *extra,
        ],
        capsys,
    )
    assert code != 0 and out == ""
    assert len(err.strip().splitlines()) == 1 and named in err, err


def test_missing_target_column_and_missing_target_flag(csv_files, capsys):
    code, _, err = run(["train", "--dataset", str(csv_files["good"]), "--target", "nope", "--iterations", "3"], capsys)
    assert code != 0 and "target='nope'" in err and "label" in err
    code, _, err = run(["train", "--dataset", str(csv_files["good"]), "--iterations", "3"], capsys)
    assert code != 0 and "target=None" in err


def test_train_on_a_csv_with_string_labels(csv_files, capsys):
    code, out, err = run(
        [
            "train",
            "--dataset",
            str(csv_files["good"]),
            "--target",
            "label",
            "--hidden",
            "4",
            "--iterations",
            "200",
            "--json",
        ],
        capsys,
    )
    doc = json.loads(out)
    assert code == 0 and doc["layer_sizes"] == [2, 4, 1] and doc["output"] == "sigmoid"
    code, out, _ = run(
        ["train", "--dataset", str(csv_files["three"]), "--target", "y", "--iterations", "50", "--json"], capsys
    )
    assert json.loads(out)["layer_sizes"] == [2, 20, 3, 3]


def test_train_json_is_one_document_with_config_history_and_accuracies(capsys):
    code, out, err = run(
        ["train", "--iterations", "2500", "--l2", "0.7", "--keep-prob", "0.9,0.8", "--json", "--record-every", "500"],
        capsys,
    )
    doc = json.loads(out)
    assert code == 0
    assert doc["cost_history"] and len(doc["cost_history"]) == 5
    assert doc["cost_iterations"] == [0, 500, 1000, 1500, 2000]
    assert doc["l2"] == 0.7 and doc["keep_prob"] == [0.9, 0.8] and doc["layer_sizes"] == [2, 20, 3, 1]
    assert 0.5 < doc["train_accuracy"] <= 1 and 0.5 < doc["test_accuracy"] <= 1


def test_train_defaults_are_the_notebooks_model(reference, capsys):
    code, out, _ = run(["train", "--rng", "notebook", "--json"], capsys)
    doc = json.loads(out)
    expected = reference["training"]["no_regularization"]
    assert (doc["learning_rate"], doc["iterations"], doc["layer_sizes"]) == (0.3, 30000, [2, 20, 3, 1])
    assert doc["cost_history"][0] == pytest.approx(expected["cost"]["0"], rel=1e-12)
    assert doc["test_accuracy"] == expected["test_accuracy"]


def test_train_human_output_and_report(tmp_path, capsys):
    code, out, _ = run(["train", "--iterations", "1000", "--report", str(tmp_path / "r")], capsys)
    assert code == 0 and "accuracy" in out and "Report written to" in out
    html = (tmp_path / "r" / "index.html").read_text()
    assert "model_train.png" in html and (tmp_path / "r" / "model_cost.png").exists()


def test_report_path_that_is_a_file_is_refused(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x")
    code, _, err = run(["train", "--iterations", "3", "--report", str(f)], capsys)
    assert code != 0 and "report=" in err


def test_console_script_prints_no_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "practicalnn", "train", "--keep-prob", "2"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert proc.stdout == "" and proc.stderr.count("\n") == 1 and "keep_prob=2.0" in proc.stderr

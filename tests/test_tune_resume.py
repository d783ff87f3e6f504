"""Nothing lost: a study killed with SIGKILL continues where it was, a killed Dask worker's trials run
elsewhere, Ctrl-C stops at once and keeps what finished."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("optuna")
pytest.importorskip("distributed")

from practicalnn.experiments.tune import tune

ROOT = Path(__file__).resolve().parents[1]
KNOBS = ["learning_rate=log:1e-2:1", "l2=0:0.5", "hidden=choice:20,3|10"]
SLOW = 12000  # iterations per trial: about a second each, so a kill lands in the middle


def _command(storage, trials, iterations, *extra):
    params = [w for k in [*KNOBS, f"iterations={iterations}"] for w in ("--param", k)]
    return [
        sys.executable,
        "-m",
        "practicalnn",
        "tune",
        *params,
        "--trials",
        str(trials),
        "--sampler",
        "random",
        "--pruner",
        "none",
        "--workers",
        "2",
        "--seed",
        "3",
        "--storage",
        f"sqlite:///{storage}",
        *extra,
    ]


def _env():
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _states(db):
    if not db.exists():
        return []
    try:
        with sqlite3.connect(db, timeout=5) as con:
            return [s for (s,) in con.execute("SELECT state FROM trials")]
    except sqlite3.OperationalError:  # the tables are not there yet
        return []


def _wait_for(db, proc, ready, limit=90):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        states = _states(db)
        if ready(states):
            return states
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    raise AssertionError(f"timed out; states {_states(db)}")


def _comparable(table):
    return [{k: v for k, v in row.items() if k != "number"} for row in table]


def test_sigkill_then_resume_equals_an_uninterrupted_run(tmp_path):
    db = tmp_path / "killed.db"
    proc = subprocess.Popen(
        _command(db, 4, SLOW, "--json"),
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        states = _wait_for(db, proc, lambda s: s.count("COMPLETE") >= 2 and "RUNNING" in s)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the command and its worker processes, at once
        proc.communicate(timeout=30)
    completed_before = _states(db).count("COMPLETE")
    assert completed_before >= 2 and "RUNNING" in states
    again = subprocess.run(_command(db, 4, SLOW, "--json"), env=_env(), capture_output=True, text=True, timeout=180)
    assert again.returncode == 0, again.stderr
    resumed = json.loads(again.stdout)
    assert resumed["retried"], "the trials running at the kill are run again"
    assert resumed["counts"]["complete"] == 4
    # the trials finished before the kill were kept, not trained again: one trial per slot has run
    states = _states(db)
    # (a trial killed between its creation and the note of its slot has none: its slot is drawn anew)
    assert states.count("COMPLETE") == 4 and states.count("FAIL") >= len(resumed["retried"])
    reference = tune(
        "moons",
        [*KNOBS, f"iterations={SLOW}"],
        n_trials=4,
        sampler="random",
        pruner="none",
        seed=3,
        storage=f"sqlite:///{tmp_path}/whole.db",
        workers=0,
    )
    assert _comparable(resumed["trials"]) == _comparable(reference.table)
    assert resumed["best"]["trial"] == reference.best["trial"] and resumed["test"] == reference.test


def test_a_killed_worker_trials_run_elsewhere(tmp_path):
    from distributed import Client, LocalCluster

    killed = []
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        Client(cluster, timeout=30) as client,
    ):
        pids = client.run(os.getpid)

        def kill_one(counts):
            if not killed and counts["running"] == 2 and counts["complete"] >= 1:
                victim = sorted(pids.values())[0]
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        result = tune(
            "moons",
            [*KNOBS, "iterations=8000"],
            n_trials=5,
            sampler="random",
            pruner="none",
            seed=3,
            storage=f"sqlite:///{tmp_path}/w.db",
            scheduler=cluster.scheduler_address,
            progress=kill_one,
        )
    assert killed
    assert result.counts["complete"] == 5
    reference = tune(
        "moons",
        [*KNOBS, "iterations=8000"],
        n_trials=5,
        sampler="random",
        pruner="none",
        seed=3,
        storage=f"sqlite:///{tmp_path}/ref.db",
        workers=0,
    )
    assert _comparable(result.table) == _comparable(reference.table)


def test_ctrl_c_stops_at_once_keeps_finished_trials_and_prints_the_table(tmp_path):
    db = tmp_path / "c.db"
    proc = subprocess.Popen(
        _command(db, 8, SLOW),
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _wait_for(db, proc, lambda s: s.count("COMPLETE") >= 1 and "RUNNING" in s)
        sent = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole process group
        out, err = proc.communicate(timeout=60)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert "complete" in out and "interrupted" in out  # the table so far: finished and cut-off trials
    print(f"Ctrl-C to exit: {took:.2f} s")
    assert took < 10, took  # about a second on an idle machine; bounded loosely for a busy CI
    states = _states(db)
    assert "RUNNING" not in states and states.count("COMPLETE") >= 1

"""Nothing lost: a study killed with SIGKILL continues where it was, a killed Dask worker's trials run
elsewhere, Ctrl-C stops at once and keeps what finished."""

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
# dropout keeps the compiled kernel busy (12000 iterations without it take 0.07 s: trials then ended
# between two polls of _wait_for, a flaky kill); with SLOW a trial takes 0.35-0.8 s here, so a kill lands
# in the middle
KNOBS = ["learning_rate=log:1e-2:1", "l2=0:0.5", "hidden=choice:20,3|10", "keep_prob=0.8"]
SLOW = 40000


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


@pytest.fixture(scope="module")
def cluster():
    """One local cluster of two workers for the module's studies (each would start its own)."""
    from practicalnn.experiments.tune.execution import DaskExecutor

    executor = DaskExecutor(workers=2)
    yield executor
    executor.close()


def _study(tmp_path, name, iterations, trials, **where):
    return tune(
        "moons",
        [*KNOBS, f"iterations={iterations}"],
        n_trials=trials,
        sampler="random",
        pruner="none",
        seed=3,
        storage=f"sqlite:///{tmp_path}/{name}.db",
        **where,
    )


def test_sigkill_then_resume_equals_an_uninterrupted_run(tmp_path, cluster):
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
    at_kill = _states(db)
    completed_before = at_kill.count("COMPLETE")
    assert completed_before >= 2 and "RUNNING" in states
    # a trial seen running may still finish in the instant before the kill lands: only one that is
    # RUNNING in the storage after the kill must be retried
    killed_mid_trial = "RUNNING" in at_kill
    # the same study again (here, on the module's cluster: the storage is all a run continues from)
    resumed = tune(
        "moons",
        [*KNOBS, f"iterations={SLOW}"],
        n_trials=4,
        sampler="random",
        pruner="none",
        seed=3,
        storage=f"sqlite:///{db}",
        executor=cluster,
    )
    assert resumed.retried or not killed_mid_trial, "the trials running at the kill are run again"
    assert resumed.counts["complete"] == 4
    # the trials finished before the kill were kept, not trained again: one trial per slot has run
    states = _states(db)
    # (a trial killed between its creation and the note of its slot has none: its slot is drawn anew)
    assert states.count("COMPLETE") == 4 and states.count("FAIL") >= len(resumed.retried)
    reference = _study(tmp_path, "whole", SLOW, 4, executor=cluster)
    assert _comparable(resumed.table) == _comparable(reference.table)
    assert resumed.best["trial"] == reference.best["trial"] and resumed.test == reference.test


def test_a_killed_worker_trials_run_elsewhere(tmp_path, cluster):
    """A worker of the scheduler the study was pointed at (--scheduler) is killed mid-study."""
    killed = []
    pids = cluster.worker_pids()

    def kill_one(counts):
        if not killed and counts["running"] == 2 and counts["complete"] >= 1:
            victim = sorted(pids.values())[0]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    result = _study(tmp_path, "w", 6000, 5, scheduler=cluster.cluster.scheduler_address, progress=kill_one)
    assert killed
    assert result.counts["complete"] == 5
    reference = _study(tmp_path, "ref", 6000, 5, workers=0)
    assert _comparable(result.table) == _comparable(reference.table)


def test_ctrl_c_stops_within_a_second_keeps_finished_trials_and_prints_the_table(tmp_path, monkeypatch, capsys):
    """Ctrl-C (a real SIGINT) once a trial has finished and two run: `tune` on its own local cluster
    cancels, kills the workers, prints the table and exits 130 well within a second."""
    import practicalnn.cli.tune as cli_tune
    from practicalnn.cli import main
    from practicalnn.experiments.tune.execution import DaskExecutor

    sent, workers = [], []
    start = DaskExecutor.__init__

    def started(self, *args, **kwargs):
        start(self, *args, **kwargs)
        workers.extend(self.worker_pids().values())

    class CtrlC:
        def __init__(self, enabled):
            pass

        def __call__(self, counts):
            if not sent and counts["complete"] >= 1 and counts["running"] == 2:
                sent.append(time.monotonic())
                os.kill(os.getpid(), signal.SIGINT)

        def close(self):
            pass

    monkeypatch.setattr(DaskExecutor, "__init__", started)
    monkeypatch.setattr(cli_tune, "TrialBar", CtrlC)
    db = tmp_path / "c.db"
    code = main(_command(db, 8, SLOW)[3:])
    took = time.monotonic() - sent[0]
    out, err = capsys.readouterr()
    assert code == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert "complete" in out and "interrupted" in out  # the table so far: finished and cut-off trials
    print(f"Ctrl-C to exit: {took:.2f} s")
    assert took < 1.5, took  # about 0.4 s here, on a loaded 2-core machine
    states = _states(db)
    assert "RUNNING" not in states and states.count("COMPLETE") >= 1
    for pid in workers:  # the workers were killed, not left to finish their trials
        with pytest.raises(ProcessLookupError):
            _reap(pid)


def _reap(pid, limit=2.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        os.kill(pid, 0)
        time.sleep(0.05)


def test_tpe_with_pruning_is_the_same_study_twice_on_two_workers(tmp_path, cluster):
    """TPE and successive halving read the other trials, so the runner settles tasks in the order it
    submitted them: two runs on the same two workers (whichever finishes first each time) agree."""
    runs = [
        tune(
            "moons",
            ["learning_rate=log:1e-2:1", "keep_prob=choice:1|0.8", "iterations=900"],
            n_trials=8,
            sampler="tpe",
            pruner="halving",
            rung_every=100,
            seed=5,
            storage=f"sqlite:///{tmp_path}/tpe{i}.db",
            executor=cluster,
        )
        for i in range(2)
    ]
    assert runs[0].counts["pruned"] >= 1  # the pruner decided something
    assert _comparable(runs[0].table) == _comparable(runs[1].table)

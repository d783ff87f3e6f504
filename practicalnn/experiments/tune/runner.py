"""The client's loop: Optuna asks, Dask trains, Optuna is told. Only this loop writes to the study.

The executor's ``in_flight`` tasks are kept submitted (twice its worker threads on Dask): a worker that
finishes a task starts the next one queued at once, while the client asks and tells (each a storage
write of a few ms) in the meantime, instead of waiting for it. Asking ahead changes no result: when
the sampler and the pruner read nothing of the other trials (random or grid sampler, no pruning) a
trial depends on its slot alone; otherwise (tpe, a pruner) the finished tasks are settled in the
order they were submitted, each followed by the asks it frees, so the sequence of asks, reports and
tells, and so the study's table, is a function of the seed and ``in_flight``, never of which worker
was quicker. A task is ``run_rung`` unless the caller
gives its own ``task(params, data, state, until)`` returning an outcome of the same shape (the
sweep's cells); ``on_result(slot, params, outcome)`` sees every final outcome. Storage writes per
trial are kept few (each is a transaction, about 20 ms on SQLite): ask, the slot, one report per rung
that a pruner reads (none without pruning), the result, tell. A trial with pruning runs in rungs: a task
trains it to the next rung (every ``rung_every`` iterations), the client reports the dev metric to
the trial and asks the pruner; a trial that goes on is submitted again with the exact state it
reached. Ctrl-C cancels the running tasks, marks their trials interrupted (a later run retries them)
and raises ``Interrupted``.
"""

from __future__ import annotations

import functools
import math

from ...errors import Interrupted
from .execution import TICK
from .study import make_pruner, make_sampler, next_slot, waiting
from .trial import run_rung

RECORDED = ("train_error", "dev_error", "train_cost", "dev_cost", "verdict", "stopped", "message")


class _Running:
    """A submitted task: its trial, the trial's params and slot, and the seconds its rungs took so far
    where they ran."""

    def __init__(self, trial, params, slot):
        self.trial, self.params, self.slot = trial, params, slot
        self.seconds = 0.0


def _record(job, outcome, message=None):
    """Put what the last rung found into the trial's user attribute ``result`` (one write: each is a
    transaction of the storage), with the seconds all its rungs took where they ran."""
    found = {key: outcome.get(key) for key in RECORDED}
    found.update(iterations=int(outcome["iteration"]), worker_pid=outcome["pid"], seconds=job.seconds)
    if message is not None:
        found["message"] = message
    job.trial.set_user_attr("result", found)


class StudyLoop:
    """Runs ``setup["n_trials"]`` slots of ``study`` on ``executor`` with the data ``data``."""

    def __init__(self, study, setup, space, executor, data, progress=None, task=None, on_result=None):
        self.study, self.setup, self.space, self.executor, self.data = study, setup, space, executor, data
        self.progress, self.on_result = progress, on_result
        self.task = task or functools.partial(run_rung, seed=setup["seed"], bayes_error=setup["bayes_error"])
        self.running = {}  # future -> _Running, in the order they were submitted
        self.capacity = getattr(executor, "in_flight", executor.workers)
        # timing decides nothing only if the finished tasks are settled in submission order, where
        # what is asked or pruned depends on the other trials (tpe; a pruner)
        self.ordered = setup["sampler"] not in ("random", "grid") or setup["pruner"] != "none"
        self.slot = next_slot(study)
        self.queued = waiting(study)  # enqueued retries (only this loop asks, so it counts them down)
        self.rung = setup["rung_every"] if setup["pruner"] != "none" else None
        self.counts = {"complete": 0, "pruned": 0, "failed": 0}
        study.pruner = make_pruner(setup["pruner"], setup["rung_every"])

    def _submit(self, job, state=None, reached=0):
        until = None if self.rung is None else reached + self.rung
        self.running[self.executor.submit(self.task, job.params, self.data, state, until)] = job

    def _start(self):
        """Ask for trials while fewer than ``capacity`` tasks are in flight and the plan has slots
        left (retries first)."""
        fixed, distributions = self.space.fixed(), self.space.distributions()
        while len(self.running) < self.capacity and (self.slot < self.setup["n_trials"] or self.queued):
            self.study.sampler = make_sampler(self.setup["sampler"], self.space, self.setup["seed"], self.slot)
            trial = self.study.ask(distributions)
            slot = trial.user_attrs.get("slot")
            if slot is not None:
                self.queued -= 1
            else:
                slot, self.slot = self.slot, self.slot + 1
                trial.set_user_attr("slot", slot)
            self._submit(_Running(trial, {**fixed, **trial.params}, slot))

    def _settle(self, future, job):
        """Tell the study what a finished task found, or continue the trial to its next rung."""
        from optuna.trial import TrialState

        trial = job.trial
        try:
            outcome = future.result()
        except Exception as err:  # the task itself failed (a worker lost too often, a bug): recorded
            trial.set_user_attr("result", {"message": f"{type(err).__name__}: {err}"})
            return self._tell(trial, TrialState.FAIL)
        job.seconds += outcome.get("seconds", 0.0)
        value = outcome.get(self.setup["metric"])
        final = outcome["status"] != "ok" or value is None or not math.isfinite(value) or outcome["finished"]
        if final and self.on_result is not None:
            self.on_result(job.slot, job.params, outcome)
        if outcome["status"] != "ok" or value is None or not math.isfinite(value):
            _record(job, outcome, None if outcome["status"] != "ok" else f"{self.setup['metric']} is {value}")
            return self._tell(trial, TrialState.FAIL)
        if self.rung is not None:  # the pruner reads the reports; without one, the value says it all
            trial.report(value, step=int(outcome["iteration"]))
        if outcome["finished"]:
            _record(job, outcome)
            return self._tell(trial, TrialState.COMPLETE, value)
        if trial.should_prune():
            _record(job, outcome)
            return self._tell(trial, TrialState.PRUNED)
        self._submit(job, outcome["state"], int(outcome["iteration"]))

    def _tell(self, trial, state, value=None):
        from optuna.trial import TrialState

        if self.setup["sampler"] == "grid":  # its after_trial calls study.stop(), for optimize() alone
            import optuna

            self.study.sampler = optuna.samplers.RandomSampler(seed=0)
        self.study.tell(trial, value if state == TrialState.COMPLETE else None, state=state)
        key = {TrialState.COMPLETE: "complete", TrialState.PRUNED: "pruned"}.get(state, "failed")
        self.counts[key] += 1

    def _report(self):
        if self.progress is not None:
            running = min(len(self.running), self.executor.workers)
            counts = {**self.counts, "running": running, "queued": len(self.running) - running}
            self.progress({**counts, "total": self.setup["n_trials"]})

    def _finished(self):
        """The tasks to settle now: every finished one, or, ``ordered``, the first submitted once it
        has finished and those after it that have (waiting up to TICK s for it)."""
        if not self.ordered:
            return self.executor.wait(self.running, TICK)
        order = list(self.running)
        if not self.executor.wait(order[:1], TICK):
            return []
        done = []
        for future in order:
            if not future.done():
                break
            done.append(future)
        return done

    def run(self):
        """Run the plan to its end; on Ctrl-C, cancel, mark the running trials interrupted, raise."""
        try:
            self._start()
            self._report()
            while self.running:
                for future in self._finished():
                    self._settle(future, self.running.pop(future))
                    self._start()  # after each tell: the asks it frees come before the next tell
                self._report()
        except KeyboardInterrupt:
            self.interrupt()
            raise Interrupted("the study was interrupted; its finished trials are kept") from None
        return self.counts

    def interrupt(self):
        from optuna.trial import TrialState

        self.executor.cancel(list(self.running))
        for job in self.running.values():
            job.trial.set_user_attr("interrupted", True)
            self._tell(job.trial, TrialState.FAIL)
            self.counts["failed"] -= 1  # not a failure of the trial: it is retried on the next run
        self.running.clear()

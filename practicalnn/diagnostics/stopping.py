"""How the studies read a run that stopped early, in one place.

A run that *diverged* is a finding (large weights, a learning rate far too large): it is kept, and
its History says so (``stopped == "diverged"``, ``iterations_run`` the iteration whose cost or
gradient went non-finite). A run that was *interrupted* (Ctrl-C) is not a finding: a function that
trains several runs stops there and raises ``errors.Interrupted`` carrying what fully finished.
"""

from __future__ import annotations

from ..errors import Interrupted, TrainingDiverged


def fit_through_divergence(trainer, X, Y):
    """``trainer.fit(X, Y)``, a divergence returned rather than raised: the History, whose
    ``stopped`` says how the run ended ("completed", "diverged", "interrupted", ...). On divergence
    the network keeps its last finite parameters (the trainer's rule)."""
    try:
        return trainer.fit(X, Y)
    except TrainingDiverged as err:
        return err.history


def stop_if_interrupted(history, message, partial=None):
    """Raise ``Interrupted(message, partial)`` when ``history`` is that of an interrupted run."""
    if history is not None and history.stopped == "interrupted":
        raise Interrupted(message, partial)


def diverged_at(history):
    """The iteration at which the run diverged, or None when it did not."""
    return history.iterations_run if history.stopped == "diverged" else None


class InterruptionGuard:
    """Ctrl-C in a function that trains several runs, as ``errors.Interrupted``.

    ``message`` is a string or a callable returning one (evaluated when Ctrl-C comes, so it can
    count what finished); ``partial`` is a callable returning what has fully finished so far (the type the function
    returns, or None). Inside ``with guard:``, ``guard.check(history)`` stops at a run that ended
    "interrupted" (the trainer turns the first Ctrl-C into that), and any KeyboardInterrupt (a second
    Ctrl-C, or an ``Interrupted`` from a helper that trains) leaves the block as
    ``Interrupted(message, partial())``."""

    def __init__(self, message, partial):
        self.message = message
        self.partial = partial

    def check(self, history):
        """Raise when ``history`` is that of an interrupted run; the block's exit adds the partial result."""
        stop_if_interrupted(history, self._message())

    def _message(self):
        return self.message() if callable(self.message) else self.message

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is not None and issubclass(kind, KeyboardInterrupt):
            raise Interrupted(self._message(), self.partial()) from error
        return False

"""Checkpoints: the whole state of a training run in one file, so that it can be resumed.

A checkpoint is a practicalnn safetensors file (see ``practicalnn.io``) of kind "checkpoint". Its
arrays are the parameters, the optimizer's moment estimates and the current epoch's permutation;
its JSON header holds the iteration, the optimizer's step count, the states of the dropout-mask
and shuffle generators, the history so far, and a description of the run (network, training
configuration, data digest) that a resume must match. Resuming from it gives parameters and a
history bit-identical to those of a run that was never interrupted.

    trainer = Trainer(net, config, rng=0, callbacks=[CheckpointWriter("run.ckpt", every=500)])
    ...                                    # killed
    trainer = Trainer(net, config, rng=0, callbacks=[Resume("run.ckpt")])
    trainer.fit(X, Y)                      # continues where the checkpoint left off
"""

from __future__ import annotations

import hashlib
import math
import numbers
import warnings

import numpy as np

from ..errors import ConfigError, ModelFileError, PracticalNNError, argument_error
from ..training.callbacks import Callback, ProgressCallback, stateful
from . import checkpoint_state
from .container import read_file, write_file
from .fields import RUNNING, history_from_json
from .paths import check_output_path


def data_digest(*arrays):
    """A SHA-256 of arrays (their dtype, shape and bytes): tells whether a resume sees the same data."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def describe(trainer, **extra):
    """What a resumed run must share with the one that wrote the checkpoint. The number of
    iterations may differ (a resume can train for longer)."""
    config = trainer.config.to_dict()
    config.pop("iterations")
    return {"network": trainer.network.config(), "config": config, **extra}


def save_checkpoint(path, trainer, run=None, argument="checkpoint"):
    """Write the state of ``trainer`` (``Trainer.state_dict()``) to ``path`` atomically.

    ``run`` is a JSON-able description of the run (``describe(trainer)`` when None); errors name
    ``argument``."""
    state = trainer.state_dict()
    tensors = {"params": state["params"]}
    optimizer = {}
    for key, value in state["optimizer"].items():
        if isinstance(value, np.ndarray):
            tensors[f"optimizer.{key}"] = value
        else:
            optimizer[key] = value
    if state["perm"] is not None:
        tensors["perm"] = np.asarray(state["perm"], dtype=np.int64)
    if state.get("batch_norm") is not None:
        tensors.update(zip(RUNNING, state["batch_norm"]))
    callbacks = []  # callbacks' states: arrays become tensors "callbacks.<i>.<key>", the rest JSON
    for i, entry in enumerate(state.get("callbacks", [])):
        plain = {}
        for key, value in entry["state"].items():
            if isinstance(value, np.ndarray):
                tensors[f"callbacks.{i}.{key}"] = value
            else:
                plain[key] = value
        callbacks.append({"type": entry["type"], "state": plain})
    header = {
        "iteration": state["iteration"],
        "optimizer": optimizer,
        "masks": state["masks"],
        "shuffle": state["shuffle"],
        "history": state["history"],
        "callbacks": callbacks,
        "run": run if run is not None else describe(trainer),
    }
    write_file(path, tensors, header, "checkpoint", argument)


class Checkpoint:
    """A checkpoint read back from disk: ``state`` (for ``Trainer.load_state_dict``) and ``run``."""

    def __init__(self, path, state, run):
        self.path, self.state, self.run = path, state, run

    @property
    def iteration(self):
        return self.state["iteration"]


def load_checkpoint(path, argument="resume"):
    """Read and check a checkpoint written by ``save_checkpoint``; raise ModelFileError if it is not one."""
    _, header, tensors = read_file(path, ("checkpoint",), argument)

    def fail(problem):
        return argument_error(argument, str(path), f"a valid practicalnn checkpoint; {problem}", ModelFileError)

    params = tensors.get("params")
    if params is None or params.ndim != 1 or not np.isfinite(params).all():
        raise fail("tensor 'params' is missing, not 1-D or not finite")
    optimizer = header.get("optimizer")
    if not isinstance(optimizer, dict):
        raise fail("its optimizer state is malformed")
    optimizer = dict(optimizer)
    callbacks = header.get("callbacks", [])
    if not isinstance(callbacks, list) or not all(
        isinstance(c, dict) and isinstance(c.get("type"), str) and isinstance(c.get("state"), dict) for c in callbacks
    ):
        raise fail("its callbacks' states are malformed")
    callbacks = [{"type": c["type"], "state": dict(c["state"])} for c in callbacks]
    for name, value in tensors.items():
        if name in ("params", "perm", *RUNNING):
            continue
        if name.startswith("callbacks."):
            _, index, key = (name.split(".", 2) + ["", ""])[:3]
            if not index.isdigit() or int(index) >= len(callbacks) or not key:
                raise fail(f"tensor {name!r} belongs to no saved callback")
            callbacks[int(index)]["state"][key] = value
            continue
        if not name.startswith("optimizer.") or value.shape != params.shape or value.dtype != params.dtype:
            raise fail(f"tensor {name!r} is not an optimizer state of the parameters' shape")
        optimizer[name[len("optimizer.") :]] = value
    perm = tensors.get("perm")
    if perm is not None and (
        perm.ndim != 1 or perm.dtype != np.int64 or not np.array_equal(np.sort(perm), np.arange(perm.size))
    ):
        raise fail("tensor 'perm' is not a permutation")
    iteration = header.get("iteration")
    if isinstance(iteration, bool) or not isinstance(iteration, int) or iteration < 0:
        raise fail(f"its iteration is {iteration!r}")
    if not isinstance(header.get("run"), dict):
        raise fail("its run is missing or malformed")
    history = history_from_json(header.get("history"), fail)
    if history.iterations and history.iterations[-1] > iteration:
        raise fail(f"its history records iteration {history.iterations[-1]}, past its iteration {iteration}")
    checkpoint_state.check_optimizer(optimizer, header["run"], params, fail)
    checkpoint_state.check_shuffle_state(header.get("shuffle"), fail)
    running = checkpoint_state.running_averages(tensors, header["run"], params, fail)
    if header.get("masks") is not None:
        checkpoint_state.check_generator_state(header["masks"], fail, "masks")
    checkpoint_state.check_callbacks(callbacks, params, fail)
    state = {
        "iteration": iteration,
        "params": params,
        "optimizer": optimizer,
        "masks": header.get("masks"),
        "shuffle": header["shuffle"],
        "perm": perm,
        "batch_norm": running,
        "history": header["history"],
        "callbacks": callbacks,
    }
    return Checkpoint(str(path), state, header["run"])


def _first_difference(saved, current, where=""):
    if isinstance(saved, dict) and isinstance(current, dict):
        for key in sorted(set(saved) | set(current)):
            diff = _first_difference(saved.get(key), current.get(key), f"{where}.{key}" if where else key)
            if diff:
                return diff
        return None
    if isinstance(saved, numbers.Real) and isinstance(current, numbers.Real) and not isinstance(saved, bool):
        same = saved == current or (math.isnan(saved) and math.isnan(current))
    else:
        same = saved == current or (isinstance(saved, list) and isinstance(current, tuple) and saved == list(current))
    return None if same else f"{where}: {saved!r} in the checkpoint, {current!r} now"


def restore(trainer, checkpoint, run=None):
    """Put ``checkpoint``'s state into ``trainer`` after checking that it describes the same run,
    and that it is not past the iterations the trainer is asked for."""
    if checkpoint.iteration > trainer.config.iterations:
        raise argument_error(
            "iterations",
            trainer.config.iterations,
            f"at least the {checkpoint.iteration} iterations the checkpoint {checkpoint.path} has already run "
            "(a resume continues a run; it cannot take it back)",
            ConfigError,
        )
    current = run if run is not None else describe(trainer)
    diff = _first_difference(checkpoint.run, current)
    if diff:
        raise argument_error(
            "resume", checkpoint.path, f"a checkpoint of this same run; they differ in {diff}", ConfigError
        )
    try:
        trainer.load_state_dict(checkpoint.state)
    except PracticalNNError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError) as err:
        raise argument_error(
            "resume", checkpoint.path, f"a checkpoint this trainer can load ({err})", ModelFileError
        ) from None


class CheckpointWriter(Callback):
    """Write a checkpoint to ``path`` every ``every`` iterations, and once more if training is
    interrupted (Ctrl-C), so that nothing done is lost. Put it last among the callbacks. ``extra``
    (JSON-able) joins the run's description (``describe``): the dataset, the seed, a digest of the data.

    The path is checked at once (``check_output_path``). A write that fails later (a full disk)
    does not stop training: ``on_error(err)`` is called with the OSError, naming the path (by
    default a ``RuntimeWarning``), and the next check tries again."""

    def __init__(self, path, every=1000, extra=None, on_error=None):
        if isinstance(every, bool) or not isinstance(every, numbers.Integral) or every < 1:
            raise argument_error("checkpoint_every", every, "an integer >= 1")
        check_output_path("checkpoint", path)
        self.path, self.every, self.extra = path, int(every), dict(extra or {})
        self.on_error = on_error if on_error is not None else _warn
        self.written = None  # the iteration of the last checkpoint written
        self.failed = None  # the OSError of the last write that failed, if any

    def _write(self, trainer):
        try:
            save_checkpoint(self.path, trainer, describe(trainer, **self.extra))
        except OSError as err:
            self.failed = err
            self.on_error(err)
            return
        self.written = trainer.iteration

    def on_check(self, trainer, iteration):
        self._write(trainer)
        return False

    def on_train_end(self, trainer):
        if trainer.history.stopped == "interrupted" and self.written != trainer.iteration:
            self._write(trainer)


def _warn(err):
    warnings.warn(f"{err.strerror}: {err.filename}; training continues", RuntimeWarning, stacklevel=2)


class Resume(Callback):
    """Load a checkpoint into the trainer when training begins, after checking that it describes
    this run (``describe(trainer, **extra)``). Put it first among the callbacks."""

    def __init__(self, checkpoint, extra=None):
        self.checkpoint = checkpoint if isinstance(checkpoint, Checkpoint) else load_checkpoint(checkpoint)
        self.extra = dict(extra or {})

    def on_train_begin(self, trainer):
        for cb in trainer.callbacks:
            if not (isinstance(cb, STATELESS) or stateful(cb)):
                raise argument_error(
                    "resume",
                    self.checkpoint.path,
                    f"a run whose callbacks can save their state; "
                    f"{type(cb).__name__} keeps state of its own and defines no state_dict/load_state_dict, "
                    "so the resumed run would not be the uninterrupted one",
                    ConfigError,
                )
        restore(trainer, self.checkpoint, describe(trainer, **self.extra))


#: Callbacks that keep no state a resumed run would need. A run is resumed when each of its
#: callbacks is one of these or saves its state (``stateful``): early stopping and augmentation do.
STATELESS = (ProgressCallback, CheckpointWriter, Resume)

"""Progress bars on stderr, and the one-time notice that the compiled kernel is being compiled."""

from __future__ import annotations

import sys

from ..training.callbacks import ProgressCallback

COMPILING = "practicalnn: compiling the fast path (first run only)"
_said = {"compiling": False}


def _cached(dispatcher):
    """Whether a Numba dispatcher (``cache=True``) will not compile: it already holds a compiled
    signature, or numba's own cache locator finds a valid index for it (present, and stamped with
    the current source file: an edited kernel recompiles). Unknown (another Numba): True, say nothing."""
    if dispatcher.signatures:
        return True
    try:
        return bool(dispatcher._cache._cache_file._load_index())
    except Exception:  # a Numba whose cache internals differ: stay silent rather than guess
        return True


def fast_path_cold(trainer):
    """Whether ``trainer``'s iterations will run on a compiled kernel that has to be compiled first."""
    from .. import fast
    from ..training.fast_path import why_not

    if why_not(trainer) is not None:
        return False
    kernels = fast.kernels()
    if kernels is None:
        return False
    fused, minibatch = kernels
    return not _cached(fused.train_chunk if trainer.config.batch_size is None else minibatch.train_batches)


def announce_compiling(trainer):
    """On a terminal, say once per process why the first run sits at 0 while the kernel compiles."""
    if _said["compiling"] or not sys.stderr.isatty() or not fast_path_cold(trainer):
        return
    _said["compiling"] = True
    print(COMPILING, file=sys.stderr, flush=True)


class _BarCallback(ProgressCallback):
    def on_train_begin(self, trainer):
        announce_compiling(trainer)
        super().on_train_begin(trainer)


class Progress:
    """A tqdm bar (on stderr) fed by ProgressCallback; silent with --json or when stdout is not a
    terminal (output piped to a file or another program)."""

    def __init__(self, enabled, desc):
        self.enabled = enabled and sys.stdout.isatty() and sys.stderr.isatty()
        self.desc = desc
        self.bar = None

    def callback(self, total):
        return _BarCallback(self.update, total)

    def update(self, done, total, what=None):
        """Show ``done`` of ``total``; ``what``, when given, becomes the bar's description."""
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc=self.desc, unit="it", leave=False, file=sys.stderr)
        if what is not None:
            self.bar.set_description(what, refresh=False)
        self.bar.n = done
        self.bar.refresh()
        if done >= total:
            self.close()

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

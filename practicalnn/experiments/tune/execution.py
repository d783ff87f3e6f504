"""Where runs go: Dask (an embedded LocalCluster, or a scheduler at an address) or this process.

One path for everything that trains several models (``tune``'s trials, ``sweep``'s cells,
``train_ensemble``'s members): the caller keeps the record, an executor only takes calls and gives
back their results. ``DaskExecutor`` starts, when given no address, a LocalCluster of single-threaded
worker processes on 127.0.0.1 (BLAS, OpenMP and Numba pools limited to one thread by environment
variables, which the workers inherit; every call limits BLAS and Numba again on the worker, for a
scheduler started elsewhere), and scatters data to every worker once. ``InlineExecutor`` runs each
call at once, here: for one worker, for debugging, and to show that where a run runs changes nothing.

Ctrl-C: ``abort`` cancels what runs, kills the local worker processes and closes without waiting for
a graceful shutdown (a worker's running task cannot be stopped otherwise), well within a second.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import uuid
import warnings

from ...errors import ConfigError, argument_error

#: Thread pools a worker process must keep to one thread (the LocalCluster's workers inherit them).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
#: How often (s) a waiting loop wakes with nothing finished: the bound on how late it sees Ctrl-C.
TICK = 0.2
#: Calls kept submitted per worker thread (``DaskExecutor.in_flight``).
AHEAD = 2

_limited: dict = {}


def limit_threads():
    """One BLAS and one Numba thread in this process: a worker owns one core, not the machine's."""
    if _limited:
        return
    try:
        from threadpoolctl import threadpool_limits

        _limited["blas"] = threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        pass
    try:
        import numba

        numba.set_num_threads(1)
    except (ImportError, ValueError):  # pragma: no cover
        pass
    _limited["pid"] = os.getpid()


def on_worker(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` on a worker, its thread pools limited to the one core it owns."""
    limit_threads()
    return fn(*args, **kwargs)


class _Done:
    """A finished call, shaped like a Dask future for the loop (``result()``, ``done()``). It ran with one
    BLAS and one Numba thread, as on a worker, so that where a run ran never changes its numbers."""

    def __init__(self, fn, args, kwargs):
        from ...training.threads import thread_limits

        try:
            with thread_limits(1):
                self._value, self._error = fn(*args, **kwargs), None
        except KeyboardInterrupt:
            raise
        except Exception as err:  # reported as the run's failure, as a worker's would be
            self._value, self._error = None, err

    def done(self):
        return True

    def result(self):
        if self._error is not None:
            raise self._error
        return self._value


class InlineExecutor:
    """Runs every call in this process, when it is submitted, with one thread as a worker has."""

    workers = 1
    in_flight = 1  # a call runs when it is submitted: nothing to keep ahead
    where = "in-process"

    def put(self, data):
        return data

    def submit(self, fn, *args, **kwargs):
        return _Done(fn, args, kwargs)

    def wait(self, futures, timeout):
        return [f for f in futures if f.done()]

    def map_unordered(self, fn, calls):
        """``(index, fn(*call))`` for each call, one after another."""
        for i, call in enumerate(calls):
            yield i, fn(*call)

    def cancel(self, futures):
        pass

    def close(self):
        pass

    def abort(self):
        pass


def _ignore_sigint():
    """Ignore SIGINT while the workers start (they inherit it); return the handler to put back."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGINT, signal.SIG_IGN)


_MULTIPROCESSING = "distributed.worker.multiprocessing-method"
#: The nanny's MALLOC_TRIM_THRESHOLD_ (64 KiB, set for workers that hold large data) left out: it also
#: fixes glibc's mmap threshold, so that every dropout-mask array of a chunk is a fresh mmap, zeroed page
#: by page, and freed back: a trial with dropout took 20% longer on a worker than in this process.
#: The workers' statistical profiler is off: it samples the running task's stack 100 times a second (for
#: the dashboard, which a local cluster here does not serve), and it took a worker's idle CPU from 15 to
#: 41 ms a second, and about 8 ms beside each 0.1 s task. Every server (the scheduler and the nannies
#: here, each worker) times its event loop's tick every 20 ms by default, to warn when the loop blocks;
#: once a second still warns, and took this process's idle CPU from about 45 to 16 ms a second and a
#: worker's from 22 to 10: on two cores, CPU the workers' trials did not get (a sweep lost ~10% to it).
_WORKER_CONFIG = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
}


@contextlib.contextmanager
def _worker_environment():
    """Single-threaded pools and SIGINT ignored, for the worker processes started in the block. The
    client's environment is given back as it was: distributed sets variables for its children there
    (``__DASK_PARENT_PID``, ``PYTHONHASHSEED``, ...) that would leak into every later subprocess."""
    import dask

    saved = dict(os.environ)
    os.environ.update({k: "1" for k in THREAD_VARIABLES})
    sigint = _ignore_sigint()  # the workers inherit it: Ctrl-C is the client's to handle
    # forked from a server that has imported distributed and NumPy once: a second cluster in the same
    # process starts in about half the time, and workers exit in 0.1 s instead of 1-2 s (spawn)
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    try:
        with warnings.catch_warnings(), dask.config.set({**_WORKER_CONFIG, _MULTIPROCESSING: method}):
            # the scheduler's HTTP port taken by another cluster: it takes another, nothing to say
            warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
            if method == "forkserver":
                _preload_engine()
            yield
    finally:
        if sigint is not None:
            signal.signal(signal.SIGINT, sigint)
        for k in set(os.environ) - set(saved):
            del os.environ[k]
        os.environ.update(saved)


#: What the forkserver imports before it forks the first worker: what distributed preloads itself (the
#: heavy part), and ``preload``, which loads the engine and its compiled kernels there.
FORKSERVER_PRELOAD = ("distributed", "numpy", f"{__package__}.preload")


def _preload_engine():
    """Have the forkserver load the engine before it forks any worker, so that every worker starts with
    it loaded (copy-on-write) instead of importing Numba and reading its cache itself (0.5-1 s of each
    worker's start, every cluster). ``distributed`` sets its own preload list on its first
    ``get_mp_context()``: it is called first, then replaced. Once the forkserver runs (a later cluster in
    this process), a new list changes nothing, and the server already holds the engine."""
    from distributed.utils import get_mp_context

    get_mp_context().set_forkserver_preload(list(FORKSERVER_PRELOAD))


def load_engine():
    """Load the engine and its compiled kernels (from Numba's cache) by a step of a tiny network on full
    batches and one on mini-batches, so that a first run does not pay for them."""
    import numpy as np

    from ...core.network import Network
    from ...training.config import TrainConfig
    from ...training.trainer import Trainer

    X = np.linspace(-1.0, 1.0, 16).reshape(2, 8)
    for config in (TrainConfig(iterations=1, keep_prob=0.9), TrainConfig(iterations=2, batch_size=4)):
        net = Network([2, 3, 1])
        trainer = Trainer(net, config, rng=0)
        net.initialize("he", trainer.streams.init)
        trainer.fit(X, (X[:1] > 0).astype(float))


def _warm():
    """A worker's pools limited to one thread, and the engine loaded (a no-op where the forkserver did)."""
    limit_threads()
    load_engine()
    return os.getpid()


class DaskExecutor:
    """Runs calls on a Dask cluster: ``scheduler`` (``tcp://HOST:8786``) or, when None, a LocalCluster
    of ``workers`` processes (default: one per core) started here and closed by ``close``."""

    def __init__(self, scheduler=None, workers=None, connect_timeout=5.0):
        from distributed import Client, LocalCluster

        self.cluster, self.closed = None, False
        if scheduler is None:
            workers = (os.cpu_count() or 1) if workers is None else workers
            with _worker_environment():
                self.cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    # a worker's heartbeat racing the scheduler's close once logged an ERROR with a
                    # traceback after a finished sweep; what a run must know (a task that failed, a
                    # worker lost) reaches the runner as an exception and is reported there
                    silence_logs=logging.CRITICAL,
                )
            self.client = Client(self.cluster, timeout=connect_timeout)
            self.client.run(_warm)
            self.where = f"a local Dask cluster of {workers} worker process(es)"
        else:
            try:
                self.client = Client(scheduler, timeout=connect_timeout)
            except (OSError, TimeoutError, ValueError) as err:
                raise argument_error(
                    "--scheduler",
                    scheduler,
                    f"a Dask scheduler reachable within {connect_timeout:g} s ({err})",
                    ConfigError,
                ) from None
            self.where = f"the Dask scheduler at {scheduler}"
        self.workers = max(1, sum(self.client.nthreads().values()))
        #: calls a caller keeps submitted: one queued behind each running one, so that a worker goes on
        #: at once while the client reads a result and submits the next (see ``runner``)
        self.in_flight = AHEAD * self.workers

    def put(self, data):
        """The data, sent once to every worker; calls take the returned future in its place."""
        return self.client.scatter(data, broadcast=True, hash=False)

    def submit(self, fn, *args, **kwargs):
        key = f"{getattr(fn, '__name__', 'run')}-{uuid.uuid4().hex}"
        return self.client.submit(on_worker, fn, *args, key=key, pure=False, **kwargs)

    def wait(self, futures, timeout):
        """The futures of ``futures`` that are done, waiting up to ``timeout`` s for a first one."""
        from distributed import wait

        try:
            wait(list(futures), timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            pass
        return [f for f in futures if f.done()]

    def map_unordered(self, fn, calls):
        """``(index, fn(*call))`` for each call, as they finish; leaving early cancels the rest."""
        futures = {self.submit(fn, *call): i for i, call in enumerate(calls)}
        try:
            while futures:
                for future in self.wait(futures, TICK):
                    yield futures.pop(future), future.result()
        finally:
            self.cancel(list(futures))

    def cancel(self, futures):
        if futures:
            self.client.cancel(list(futures), force=True)

    def worker_pids(self):
        """{worker address: process id}, for tests and diagnostics."""
        return self.client.run(os.getpid)

    def close(self):
        if self.closed:
            return
        self.closed = True
        try:
            self.client.close(timeout=2)
        finally:
            if self.cluster is not None:
                self.cluster.close(timeout=5)

    def abort(self):
        """Stop now: the local worker processes killed (their running calls are lost), then closed
        without a graceful shutdown. A remote cluster's workers are left running (only the client
        goes; its cancelled calls stop being scheduled)."""
        if self.closed:
            return
        self.closed = True
        # what follows tears connections and nannies down mid-message: distributed logs each (INFO, even ERROR)
        # with a traceback on stderr (its own handler). After Ctrl-C that is noise only: kept quiet from here on.
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
        if self.cluster is not None:
            for nanny in list(self.cluster.workers.values()):
                pid = getattr(nanny, "pid", None)
                if pid:
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            self.client.close(timeout=0.5)
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close(timeout=0.5)


def executor(scheduler=None, workers=None, connect_timeout=5.0):
    """``InlineExecutor`` for ``workers == 0`` (no scheduler), else a ``DaskExecutor``."""
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 0):
        raise argument_error("--workers", workers, "an integer >= 0 (0 runs the trials in this process)")
    if scheduler is None and workers == 0:
        return InlineExecutor()
    if scheduler is not None and not str(scheduler).startswith(("tcp://", "tls://", "ws://", "wss://", "inproc://")):
        raise argument_error("--scheduler", scheduler, "a Dask scheduler address like tcp://HOST:8786")
    return DaskExecutor(scheduler, workers, connect_timeout)


@contextlib.contextmanager
def opened(given=None, **where):
    """``given`` (an executor the caller keeps), else ``executor(**where)`` for the block: closed at
    its end, aborted (see ``DaskExecutor.abort``) when the block raises, Ctrl-C included."""
    if given is not None:
        yield given
        return
    ex = executor(**where)
    try:
        yield ex
    except BaseException:
        ex.abort()
        raise
    ex.close()

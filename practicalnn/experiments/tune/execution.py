"""Where trials run: Dask (an embedded LocalCluster, or a scheduler at an address) or this process.

The client keeps the study; an executor only takes ``run_rung`` calls and gives back their results.
``DaskExecutor`` starts, when given no address, a LocalCluster of one single-threaded worker process
per core on 127.0.0.1 (BLAS and OpenMP pools limited to one thread by environment variables, which
the workers inherit; ``run_rung`` limits BLAS and Numba again inside the task), and scatters the data
to every worker once. ``InlineExecutor`` runs each call at once, here: for debugging, and to show
that where a trial runs changes nothing.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import uuid

from ...errors import ConfigError, bad

#: Thread pools a worker process must keep to one thread (the LocalCluster's workers inherit them).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


class _Done:
    """A finished call, shaped like a Dask future for the loop (``result()``, ``done()``)."""

    def __init__(self, fn, args, kwargs):
        try:
            self._value, self._error = fn(*args, **kwargs), None
        except KeyboardInterrupt:
            raise
        except Exception as err:  # reported as the trial's failure, as a worker's would be
            self._value, self._error = None, err

    def done(self):
        return True

    def result(self):
        if self._error is not None:
            raise self._error
        return self._value

    def cancel(self):
        pass


class InlineExecutor:
    """Runs every call in this process, when it is submitted."""

    workers = 1
    where = "in-process"

    def put(self, data):
        return data

    def submit(self, fn, *args, **kwargs):
        return _Done(fn, args, kwargs)

    def wait(self, futures, timeout):
        return [f for f in futures if f.done()]

    def cancel(self, futures):
        pass

    def close(self):
        pass


def _ignore_sigint():
    """Ignore SIGINT while the workers start (they inherit it); return the handler to put back."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGINT, signal.SIG_IGN)


class DaskExecutor:
    """Runs calls on a Dask cluster: ``scheduler`` (``tcp://HOST:8786``) or, when None, a LocalCluster
    of ``workers`` processes (default: one per core) started here and closed by ``close``."""

    def __init__(self, scheduler=None, workers=None, connect_timeout=5.0):
        from distributed import Client, LocalCluster

        self.cluster = None
        if scheduler is None:
            workers = (os.cpu_count() or 1) if workers is None else workers
            saved = {k: os.environ.get(k) for k in THREAD_VARIABLES}
            os.environ.update({k: "1" for k in THREAD_VARIABLES})
            sigint = _ignore_sigint()  # the workers inherit it: Ctrl-C is the client's to handle
            try:
                self.cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            finally:
                if sigint is not None:
                    signal.signal(signal.SIGINT, sigint)
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
            self.client = Client(self.cluster, timeout=connect_timeout)
            self.where = f"a local Dask cluster of {workers} worker process(es)"
        else:
            try:
                self.client = Client(scheduler, timeout=connect_timeout)
            except (OSError, TimeoutError, ValueError) as err:
                raise bad(
                    "--scheduler",
                    scheduler,
                    f"a Dask scheduler reachable within {connect_timeout:g} s ({err})",
                    ConfigError,
                ) from None
            self.where = f"the Dask scheduler at {scheduler}"
        self.workers = max(1, sum(self.client.nthreads().values()))

    def put(self, data):
        """The data, sent once to every worker; calls take the returned future in its place."""
        return self.client.scatter(data, broadcast=True, hash=False)

    def submit(self, fn, *args, **kwargs):
        return self.client.submit(fn, *args, key=f"tune-{uuid.uuid4().hex}", pure=False, **kwargs)

    def wait(self, futures, timeout):
        """The futures of ``futures`` that are done, waiting up to ``timeout`` s for a first one."""
        from distributed import wait

        try:
            wait(list(futures), timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            pass
        return [f for f in futures if f.done()]

    def cancel(self, futures):
        if futures:
            self.client.cancel(list(futures), force=True)

    def worker_pids(self):
        """{worker address: process id}, for tests and diagnostics."""
        return self.client.run(os.getpid)

    def close(self):
        try:
            self.client.close(timeout=2)
        finally:
            if self.cluster is not None:
                self.cluster.close(timeout=5)


def executor(scheduler=None, workers=None, connect_timeout=5.0):
    """``InlineExecutor`` for ``workers == 0`` (no scheduler), else a ``DaskExecutor``."""
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 0):
        raise bad("--workers", workers, "an integer >= 0 (0 runs the trials in this process)")
    if scheduler is None and workers == 0:
        return InlineExecutor()
    if scheduler is not None and not str(scheduler).startswith(("tcp://", "tls://", "ws://", "wss://", "inproc://")):
        raise bad("--scheduler", scheduler, "a Dask scheduler address like tcp://HOST:8786")
    return DaskExecutor(scheduler, workers, connect_timeout)

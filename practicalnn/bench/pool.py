"""The sweep as it ran before the Dask path, kept here only to time W2 against it (issue 12: the Dask
sweep must stay at least as fast): the kernel loaded in this process, then a pool of forked workers
that inherit it and the data, one BLAS thread each."""

from __future__ import annotations

_POOL_JOB: dict = {}


def _pool_init(job):
    from threadpoolctl import threadpool_limits

    _POOL_JOB.update(job, limits=threadpool_limits(1))


def _pool_cell(l2, keep):
    from ..experiments.sweep import run_cell

    return run_cell(_POOL_JOB, l2, keep)


def pool_sweep(job, grid, workers):
    """The cells of ``grid`` ((l2, keep_prob) pairs) of the sweep ``job`` on a pool of ``workers`` forked
    processes, in grid order."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from ..experiments.sweep import run_cell

    run_cell({**job, "config": {**job["config"], "iterations": 1}}, 0.0, 1.0)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_pool_init, initargs=(job,)) as pool:
        return [f.result() for f in [pool.submit(_pool_cell, a, k) for a, k in grid]]

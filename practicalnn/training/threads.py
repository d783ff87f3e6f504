"""How many threads the arithmetic may use: BLAS (through threadpoolctl), Numba and, when given,
PyTorch, limited for a block and put back as they were after it.

Where a run's numbers must not depend on where it runs (a study's trial on a worker, in this process,
or re-run alone with ``practicalnn train --threads 1``), it runs with one thread: a multithreaded BLAS
may split a product's sums differently and change the last bits of a large network's cost.
"""

from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def thread_limits(threads, torch=None):
    """BLAS, Numba (and ``torch``, a module, when given) limited to ``threads`` inside the block."""
    from threadpoolctl import threadpool_limits

    try:
        import numba
    except ImportError:  # pragma: no cover - numba is a dependency
        numba = None
    torch_before = None if torch is None else torch.get_num_threads()
    numba_before = None if numba is None else numba.get_num_threads()
    try:
        if torch is not None:
            torch.set_num_threads(threads)
        if numba is not None:
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        with threadpool_limits(threads):
            yield
    finally:
        if torch_before is not None:
            torch.set_num_threads(torch_before)
        if numba_before is not None:
            numba.set_num_threads(numba_before)

"""Imported by the forkserver that local Dask workers are forked from (``execution.FORKSERVER_PRELOAD``):
its import loads the engine and its compiled kernels there once, and every worker forked afterwards
starts with them loaded.

The import has that effect on purpose, as the forkserver can only import modules. A failure here
must not stop the forkserver (it serves every worker): the workers then load the engine themselves,
as ``execution._warm`` does anyway.
"""

from .execution import load_engine

try:
    load_engine()
except Exception:  # an optimization only: the workers load what failed here themselves
    pass

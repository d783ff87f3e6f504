"""Experiments that train many runs and read them together: the basic recipe as a loop, the lambda x
keep_prob sweep, the notebook reproduced, and hyperparameter search (``tune``: Optuna + Dask)."""

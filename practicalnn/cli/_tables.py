"""What ``practicalnn train`` adds for a table (a CSV or Parquet ``--dataset``): the preprocessing and the
split printed before training, R^2 and RMSE in the target's own units for a regression, a warning when
the cost sat still, and the preprocessing saved in the model file (so ``predict`` takes raw rows)."""

from __future__ import annotations

import sys

import numpy as np

from ..data.table_dataset import TableDataset
from ..io.model_file import SavedNetwork, save

#: A stuck run: over the last half of its recorded costs the cost moved by less than this share of
#: itself, and it is still above STUCK_SHARE of where it began.
STILL = 1e-3
STUCK_SHARE = 0.5
#: A hidden layer whose units are this share or more at zero on every training example is dead.
DEAD_SHARE = 0.5


def start(args, dataset):
    """The table side of one run (a no-op for the built-in datasets); prints what was done per column."""
    run = TableRun(args, dataset if isinstance(dataset, TableDataset) else None)
    if run.table is not None and not args.json:
        print("\n".join(run.table.notes) + "\n")
    return run


class TableRun:
    def __init__(self, args, table):
        self.args, self.table = args, table
        self.out = {}

    def finish(self, persist, result, dataset, standardizer):
        """``persist.finish``, the model saved with the table's preprocessing and target scaling."""
        if self.table is None or persist.save_path is None:
            return persist.finish(result, dataset, standardizer)
        path, persist.save_path = persist.save_path, None
        try:
            out = persist.finish(result, dataset, standardizer)  # checkpoints; the save is below
        finally:
            persist.save_path = path
        t = self.table
        info = {
            "dataset": t.name,
            "train_config": result.config.to_dict(),
            "init": result.setup.get("init"),
            "iterations_run": result.history.iterations_run,
            "stopped": result.history.stopped,
        }
        classes = t.classes if result.network.output.name != "identity" else None
        model = SavedNetwork(
            result.network, standardizer, classes, list(t.feature_names), t.target, info, t.preprocessing
        )
        model.target_scaling = t.target_scaling
        save(model, self.args.save, argument="save")
        persist.saved = out["saved"] = str(self.args.save)
        return out

    def report(self, result, dataset, lines):
        """The stuck-cost warning (stderr), and the regression scores kept in ``out`` and added to
        ``lines`` (printed after the results)."""
        if self.table is None:
            return
        warning = stuck_warning(result.history, result.network, dataset.train_X)
        if warning:
            print(f"practicalnn train: warning: {warning}", file=sys.stderr)
        if self.table.target_scaling is None:
            return
        rows = regression_scores(result.network, dataset, self.table.target_scaling)
        self.out["regression"] = rows
        from .common import table

        scores = table(["set", "R^2", "RMSE"], [[name, r["r2"], r["rmse"]] for name, r in rows.items()])
        lines.append(f"{self.table.target} in its own units:\n{scores}")


def regression_scores(network, dataset, scaling):
    """``{set: {"r2", "rmse"}}`` of a standardized-target regression, in the target's own units."""
    mean, std = scaling
    out = {}
    for name in ("train", "dev", "test"):
        X, Y = getattr(dataset, f"{name}_X", None), getattr(dataset, f"{name}_Y", None)
        if X is None or X.shape[1] == 0:
            continue
        y = Y[0] * std + mean
        pred = network.predict_proba(X)[0] * std + mean
        total = float(np.sum((y - y.mean()) ** 2))
        out[name] = {
            "r2": 1 - float(np.sum((y - pred) ** 2)) / total if total > 0 else None,
            "rmse": float(np.sqrt(np.mean((y - pred) ** 2))),
        }
    return out


def stuck_warning(history, network, X):
    """A sentence naming the likely cause when the cost sat still for the last half of the run while
    still high (above half its start), else None."""
    costs = np.asarray(history.cost, dtype=float)
    if len(costs) < 4 or not np.isfinite(costs).all():
        return None
    tail = costs[len(costs) // 2 :]
    if np.ptp(tail) > STILL * abs(tail[-1]) or tail[-1] < STUCK_SHARE * costs[0]:
        return None
    its = history.iterations
    causes = []
    dead = dead_layers(network, X)
    if dead:
        causes.append(f"dead units (hidden layer(s) {dead} output zero on every training example)")
    scale = float(np.max(np.abs(X))) if X.size else 0.0
    if scale > 10:
        causes.append(f"input scale (inputs reach {scale:.3g}; standardize them)")
    causes.append("a learning rate too small to move, or too large to settle (try 10x either way)")
    return (
        f"the cost has not moved since iteration {its[len(its) // 2]} (it stays at {tail[-1]:.6g}); "
        f"likely cause: {'; or '.join(causes)}"
    )


def dead_layers(network, X):
    """The hidden layers (1-based) where at least DEAD_SHARE of the units are zero on every row of X."""
    if network.hidden.name not in ("relu",):
        return []
    cache = network.forward(X)
    return [layer for layer in range(1, network.n_layers) if np.mean(np.all(cache.A[layer] == 0, axis=1)) >= DEAD_SHARE]

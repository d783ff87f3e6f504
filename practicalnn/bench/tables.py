"""W6, the estimators' defaults on real tables: 5-fold cross-validation of ``Pipeline(StandardScaler(), clf)``
on scikit-learn's wine, breast cancer and digits, practicalnn's classifier at its defaults beside
scikit-learn's ``MLPClassifier()`` at its own, with the same thread count for both.

Goal, per dataset: practicalnn's mean accuracy at least the MLP's less half a point, and no more time in
the five fits. The estimators sit above this layer, so the caller hands in practicalnn's classifier
(``practicalnn bench`` passes ``NeuralNetClassifier(random_state=0)``). Returns a dict; never prints.
"""

from __future__ import annotations

import warnings

#: The least mean accuracy practicalnn may fall short of the MLP by (half a point).
ACCURACY_SLACK = 0.005
DATASETS = ("wine", "breast_cancer", "digits")


def _data(name):
    import sklearn.datasets

    return getattr(sklearn.datasets, f"load_{name}")(return_X_y=True)


def _cross_validate(estimator, X, y, folds):
    from sklearn.model_selection import cross_validate
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both warn when max_iter ends a fit before their loss stop
        result = cross_validate(make_pipeline(StandardScaler(), estimator), X, y, cv=folds)
    return {
        "mean_accuracy": float(result["test_score"].mean()),
        "fold_accuracies": [float(s) for s in result["test_score"]],
        "fit_seconds": float(result["fit_time"].sum()),
    }


def _over_seeds(make, X, y, folds, seeds):
    """The cross-validation of ``make(seed)`` for each seed: accuracies over all seeds' folds, and the
    mean over seeds of the five fits' time."""
    runs = [_cross_validate(make(seed), X, y, folds) for seed in seeds]
    accuracies = [a for r in runs for a in r["fold_accuracies"]]
    return {
        "mean_accuracy": sum(accuracies) / len(accuracies),
        "fold_accuracies": accuracies,
        "fit_seconds": sum(r["fit_seconds"] for r in runs) / len(runs),
    }


def w6(ours, *, threads=1, folds=5, datasets=DATASETS, seeds=(0, 1, 2), progress=None):
    """Cross-validate ``ours`` (an unfitted classifier: practicalnn's ``NeuralNetClassifier()``) and
    ``MLPClassifier()``, each in ``Pipeline(StandardScaler(), clf)``, once per seed in ``seeds`` (their
    ``random_state``): on data this small one seed's mean moves by a point from seed to seed.

    Returns ``{"setup", "rows": [{dataset, n_samples, n_features, practicalnn, mlp, accuracy_met,
    time_met, met}], "met"}`` where ``practicalnn`` and ``mlp`` are ``{mean_accuracy, fold_accuracies,
    fit_seconds}`` (``fit_seconds``: the five fits, averaged over seeds). ``progress(done, total, what)``
    is called before each dataset's two runs."""
    from sklearn.base import clone
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits

    makers = {
        "practicalnn": lambda seed: clone(ours).set_params(random_state=seed),
        "mlp": lambda seed: MLPClassifier(random_state=seed),
    }
    rows = []
    with threadpool_limits(threads):
        for i, name in enumerate(datasets):
            X, y = _data(name)
            results = {}
            for j, (key, make) in enumerate(makers.items()):
                if progress is not None:
                    progress(2 * i + j, 2 * len(datasets), f"W6 {name}: {key}")
                results[key] = _over_seeds(make, X, y, folds, seeds)
            ok_accuracy = results["practicalnn"]["mean_accuracy"] >= results["mlp"]["mean_accuracy"] - ACCURACY_SLACK
            ok_time = results["practicalnn"]["fit_seconds"] <= results["mlp"]["fit_seconds"]
            rows.append(
                {
                    "dataset": name,
                    "n_samples": int(X.shape[0]),
                    "n_features": int(X.shape[1]),
                    **results,
                    "accuracy_met": ok_accuracy,
                    "time_met": ok_time,
                    "met": ok_accuracy and ok_time,
                }
            )
    setup = {"threads": threads, "folds": folds, "seeds": list(seeds), "estimator": repr(ours)}
    return {"setup": setup, "rows": rows, "met": all(r["met"] for r in rows)}

"""The report of a study (``practicalnn tune --report DIR``): figures and tables from a TuneResult."""

from __future__ import annotations


def _history_figure(table):
    import matplotlib.pyplot as plt

    done = [r for r in table if r["value"] is not None]
    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    ax.plot([r["trial"] for r in done], [r["value"] for r in done], "o", label="complete trial")
    best, run = [], float("inf")
    for r in done:
        run = min(run, r["value"])
        best.append(run)
    ax.step([r["trial"] for r in done], best, where="post", label="best so far")
    pruned = [r for r in table if r["state"] == "pruned" and r["dev_cost"] is not None]
    ax.plot(
        [r["trial"] for r in pruned], [r["dev_cost"] for r in pruned], "x", color="grey", label="pruned (last rung)"
    )
    ax.set_xlabel("trial")
    ax.set_ylabel("objective (dev)")
    ax.set_title("Optimization history")
    ax.legend(fontsize=8)
    return fig


def _optuna_figures(study):
    """Parameter importances and parallel coordinates from optuna.visualization.matplotlib, where
    the study has enough complete trials for them."""
    import warnings

    import optuna.visualization.matplotlib as ovm

    figures = []
    for name, plot, caption in (
        ("importances.png", ovm.plot_param_importances, "parameter importances (fANOVA on complete trials)"),
        ("parallel.png", ovm.plot_parallel_coordinate, "parallel coordinates of the complete trials"),
    ):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ax = plot(study)
        except (ValueError, RuntimeError, ZeroDivisionError):  # too few trials, or a single value
            continue
        ax = ax.flat[0] if hasattr(ax, "flat") else ax
        figures.append((name, ax.figure, caption))
    return figures


def tune_report(result, directory, best_lines=()):
    """The study's HTML report in ``directory``: the history, Optuna's importances and parallel
    coordinates, the table of trials, the best trial's learning curve and ``best_lines`` (the CLI's
    words on the winner). Returns the index path."""
    from .html import Report
    from .plots import plot_costs

    s = result.setup
    report = Report(
        f"practicalnn tune: {s['dataset']}",
        f"{s['sampler']} sampler, {s['pruner']} pruning, "
        f"{len(result.table)} trials, study {result.study.study_name} in {result.storage}",
    )
    report.section("Trials")
    figures = [("history.png", _history_figure(result.table), "objective per trial and best so far")]
    report.figures(figures + _optuna_figures(result.study), wide=True)
    keys = sorted(result.table[0]["params"]) if result.table else []
    report.table(
        ["#", "state", *keys, "train error", "dev error", "dev cost", "verdict", "iterations"],
        [
            [
                r["trial"],
                r["state"],
                *[r["params"][k] for k in keys],
                r["train_error"],
                r["dev_error"],
                r["dev_cost"],
                r["verdict"],
                r["iterations"],
            ]
            for r in result.table
        ],
    )
    if result.history is not None:
        report.section("The best trial")
        h = result.history
        series = {"train cost (J with penalty)": (h.iterations, h.cost)}
        for name in ("train_cost", "dev_cost"):
            if name in h.curves:
                series[name.replace("_", " ")] = h.curves[name]
        report.figures(
            [
                (
                    "best_learning_curve.png",
                    plot_costs(series, title="Best trial: learning curve"),
                    "learning curve of the best trial",
                )
            ],
            wide=True,
        )
        for line in best_lines:
            report.text(line)
    return report.write(directory)

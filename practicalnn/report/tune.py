"""The report of a study (``practicalnn tune --report DIR``): the optimisation history, parameter
importances, parallel coordinates, the heat maps and regularization path of a grid, the table of
trials, and the best trial: its learning curves (train and dev, from a run of it that records them),
its test score and the command that re-runs it alone."""

from __future__ import annotations

from ..training.callbacks import Callback
from .figures import HALF
from .html import Report
from .plots import plot_costs
from .sweep import heatmap, regularization_path, shared_limits
from .tune_figures import (
    MIN_FOR_IMPORTANCES,
    grid_view,
    history_figure,
    importances,
    importances_figure,
    metric_label,
    parallel_figure,
)

#: Checks of the train and dev scores along the best trial's learning curves.
CURVE_POINTS = 40


class _Curves(Callback):
    """Train and dev cost and error (no dropout; batch norm's running averages) at iteration 0 and
    every ``every`` iterations; it changes nothing of the run."""

    def __init__(self, data, every):
        self.data, self.every = data, every
        self.series = {}

    def on_train_begin(self, trainer):
        if trainer.iteration == 0:
            self.on_check(trainer, 0)

    def on_check(self, trainer, iteration):
        d = self.data
        for side, X, Y in (("train", d.train_X, d.train_Y), ("dev", d.dev_X, d.dev_Y)):
            accuracy, cost = trainer.network.evaluate(X, Y)
            scores = {"cost": cost} if accuracy is None else {"cost": cost, "error": 1 - accuracy}
            for name, value in scores.items():
                its, values = self.series.setdefault(name, {}).setdefault(side, ([], []))
                its.append(iteration)
                values.append(value)
        return False


def learning_curves(result, data):
    """``(series, history, outcome)`` of the best trial trained again on ``data`` (the study's, from
    ``tune.prepare_data``) with its train and dev scores recorded: ``series`` maps "cost" (and "error")
    to {"train": (iterations, values), "dev": ...}; ``outcome`` holds the run's final scores (equal to
    the study's record: a trial is a pure function of its params, seed and data)."""
    from ..experiments.tune.space import SearchSpace
    from ..experiments.tune.trial import build, scores

    s = result.setup
    params = {**SearchSpace.from_dict(s["space"]).fixed(), **result.study.trials[result.best["number"]].params}
    net, trainer, _, model, total = build(params, data, s["seed"])
    curves = _Curves(data, max(1, total // CURVE_POINTS))
    trainer.callbacks.append(curves)
    net.initialize(model["init"], trainer.streams.init)
    history = trainer.fit(data.train_X, data.train_Y)
    return curves.series, history, scores(net, data, s["bayes_error"])


def _curve_figures(series, history):
    marks = {} if history.best_iteration is None else {"early stopping's best check": history.best_iteration}
    figures = []
    for name in series:
        sides = {f"{side} {name}": series[name][side] for side in ("train", "dev")}
        scale = None if name == "cost" else "linear"  # an error of 0 has no place on a log axis
        fig = plot_costs(sides, title=f"Best trial: train and dev {name}", marks=marks, scale=scale, size=HALF)
        fig.axes[0].set_ylabel(fig.axes[0].get_ylabel().replace("cost", name))
        figures.append((f"best_{name}.png", fig, f"{name} of the best trial on the training and dev sets"))
    return figures


def _grid_section(report, result):
    s = result.setup
    view = grid_view(result.table, _space(s), s["metric"])
    if view is None:
        report.text("A grid over more than two knobs: no heat map (the parallel coordinates show it).")
        return
    dev, train = s["metric"], s["metric"].replace("dev_", "train_")
    limits = shared_limits(view.grid(dev), view.grid(train))
    name = metric_label(s["metric"].replace("dev_", ""))
    report.figures(
        [
            ("heatmap_dev.png", heatmap(view, dev, title=metric_label(dev), limits=limits),
             f"{metric_label(dev)} of every cell (colour scale shared with train)"),
            ("heatmap_train.png", heatmap(view, train, title=metric_label(train), limits=limits),
             f"{metric_label(train)} of every cell (colour scale shared with dev)"),
            ("regularization_path.png",
             regularization_path(view, metric=s["metric"].replace("dev_", "")),
             f"train and dev {name} against {view.x_name}: a gap between them is variance"),
        ]
    )  # fmt: skip


def _space(setup):
    from ..experiments.tune.space import SearchSpace

    return SearchSpace.from_dict(setup["space"])


def _search_section(report, result):
    s, table = result.setup, result.table
    best = None if result.best is None else result.best["trial"]
    figures = [("history.png", history_figure(table, s["metric"]), "the objective of every trial, the best so far")]
    found = importances(result.study, s["seed"])
    if found is not None:
        figures.append(("importances.png", importances_figure(found, s["metric"]), "parameter importances"))
    figures.append(("parallel.png", parallel_figure(table, _space(s), s["metric"], best), "parallel coordinates"))
    report.figures(figures)
    if found is None:
        complete = result.counts["complete"]
        report.text(
            f"No parameter importances: they need {MIN_FOR_IMPORTANCES} complete trials or more and two "
            f"searched knobs, and this study has {complete} complete of {len(table)}."
        )
    else:
        report.text(
            "Importances: Optuna's fANOVA over the complete trials alone, the share of the variance of "
            f"{metric_label(s['metric'])} each knob explains."
        )


def _trials_table(report, result):
    keys = sorted(_space(result.setup).searched())
    report.table(
        ["#", "state", *keys, "train error", "dev error", "dev cost", "verdict", "iterations"],
        [
            [r["trial"], r["state"], *[r["params"].get(k) for k in keys], r["train_error"], r["dev_error"],
             r["dev_cost"], r["verdict"] or r["message"], r["iterations"]]
            for r in result.table
        ],
    )  # fmt: skip


def _best_section(report, result, data, best_lines):
    report.section(f"The best trial: #{result.best['trial']}")
    for line in best_lines:
        report.text(line)
    if data is None:
        return
    series, history, outcome = learning_curves(result, data)
    report.figures(_curve_figures(series, history))
    metric = result.setup["metric"]
    if outcome[metric] != result.best["value"]:
        report.text(
            f"Trained again for these curves, the trial ended at {metric_label(metric)} {outcome[metric]!r}, "
            f"not the study's {result.best['value']!r}: the data or the code changed since the study ran."
        )


def tune_report(result, directory, best_lines=(), data=None, about=None):
    """The study's HTML report in ``directory``; ``best_lines`` are the CLI's words on the winner,
    ``data`` (the study's dataset, from ``tune.prepare_data``) gives the best trial's learning curves,
    ``about`` says how it searched (the CLI's words). Returns the index path."""
    s = result.setup
    counts = ", ".join(f"{n} {state}" for state, n in result.counts.items() if n)
    report = Report(
        f"practicalnn tune: {s['dataset']}",
        f"{about or s['sampler'] + ' sampler, pruner ' + s['pruner']}; {metric_label(s['metric'])} "
        f"minimized on the dev set; {len(result.table)} trials ({counts}); study {result.study.study_name} "
        f"in {result.storage}",
    )
    report.section("The search")
    if not any(r["state"] in ("complete", "pruned") for r in result.table):
        report.text("No trial completed or was pruned: there is nothing to draw. Why each one ended is in the table.")
    else:
        _search_section(report, result)
        if s["sampler"] == "grid":
            report.section("The grid")
            _grid_section(report, result)
    if result.best is not None:
        _best_section(report, result, data, best_lines)
    report.section("Every trial")
    _trials_table(report, result)
    return report.write(directory)

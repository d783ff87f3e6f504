"""Reports of the generalization toolkit: train/dev curves with the early-stopping point, the
normalization comparison, the diagnosis, the recipe's path and ensembles."""

from __future__ import annotations

from .figures import HALF, THIRD, integer_ticks, legend_if_several, new_figure
from .html import Report
from .plots import plot_costs
from .reproduce import boundary_figures, cost_figure, iterations_text, rate_figure, rate_text

#: Fewer recorded J values than this make a straight line, not a curve: the dev checks show training then.
MIN_POINTS = 5


def _curves_figure(history, name="curves.png"):
    """Training and dev cost at the same checks, the chosen (best) iteration marked."""
    series = {
        label: history.curves[key]
        for key, label in (("train_cost", "train cost"), ("dev_cost", "dev cost"))
        if key in history.curves
    }
    marks = (
        {} if history.best_iteration is None else {f"best dev check ({history.best_iteration})": history.best_iteration}
    )
    return (
        name,
        plot_costs(
            series, title="Train and dev cost at every check", marks=marks, xmax=history.iterations_run, size=THIRD
        ),
        "train and dev cost (unpenalized, no dropout) at every check",
    )


def _normalization_figure(effect, name="normalization.png"):
    series = {
        f"{side} inputs": (effect[side]["curve"]["iterations"], effect[side]["curve"]["cost"])
        for side in ("raw", "normalized")
    }
    fig = plot_costs(series, title=f"Iterations to cost <= {effect['target_cost']:g}", size=HALF)
    fig.axes[0].axhline(effect["target_cost"], color="grey", linestyle=":", linewidth=1, label="target cost")
    fig.axes[0].legend(fontsize=8)
    return name, fig, "training cost with raw and with standardized inputs"


def _diagnosis_rows(d):
    return [
        ["train error", d["train_error"]],
        ["dev error", d["dev_error"]],
        ["Bayes error", d["bayes_error"]],
        ["avoidable bias", d["avoidable_bias"]],
        ["variance", d["variance"]],
        ["verdict", d["verdict"]],
    ]


def generalization_report(result, dataset, directory, extras):
    """``practicalnn train``'s report when a dev set, normalization or early stopping is in play."""
    rep = Report(
        f"practicalnn train: {dataset.name}",
        f"layers {result.setup['layer_sizes']}, {result.setup['activation']}, learning rate "
        f"{rate_text(result.config)}, {result.config.optimizer}, {iterations_text(result)}, "
        f"l2 {result.config.l2}, keep_prob {result.config.keep_prob}",
    )
    rep.section("Results")
    rows = [["train", result.train_accuracy, result.train_cost]]
    if "dev_accuracy" in extras:
        rows.append(["dev", extras["dev_accuracy"], extras["dev_cost"]])
    rows.append(["test", result.test_accuracy, result.test_cost])
    rep.table(["set", "accuracy", "cost (without penalty)"], rows)
    if "diagnosis" in extras:
        rep.section("Bias and variance")
        rep.table(["", "value"], _diagnosis_rows(extras["diagnosis"]))
        rep.text("Next steps (the basic recipe): " + "; ".join(extras["diagnosis"]["next_steps"]))
    h = result.history
    checks = "train_cost" in h.curves or "dev_cost" in h.curves
    # the train and dev cost curves get their own figure, with the early-stopping point marked; J recorded
    # too rarely to draw a curve (a run stopped early) is left to them
    sparse = checks and len(h.iterations) < MIN_POINTS
    figures = boundary_figures(result, dataset, "model")
    figures += [] if sparse else [cost_figure(result, "model", curves=not checks)]
    if checks:
        figures.append(_curves_figure(h))
    rate = rate_figure(result, dataset.train_X.shape[1], "model")
    figures += [rate] if rate else []
    rep.section("Figures")
    rep.figures(figures)
    if sparse:
        rep.text(
            f"J was recorded every {result.config.record_every} iterations, {len(h.iterations)} time(s) before "
            f"training ended at iteration {h.iterations_run}: too few for a curve; the checks show training instead."
        )
    if "normalization" in extras:
        effect = extras["normalization"]
        rep.section("Normalizing inputs")
        rep.table(
            ["inputs", "iterations to target", "last cost", "diverged at"],
            [
                [side, effect[side]["iterations_to_target"], effect[side]["final_cost"], effect[side]["diverged_at"]]
                for side in ("raw", "normalized")
            ],
        )
        rep.figures([_normalization_figure(effect)])
    return rep.write(directory)


def recipe_report(recipe, directory):
    """The basic recipe's path: one row per run, and the dev error along the way."""
    dataset = recipe.steps[0].evaluation.dataset.name
    rep = Report(
        f"practicalnn recipe: the basic recipe, run on {dataset}",
        f"stopped: {recipe.stopped}; best run: step {recipe.best.index} ({recipe.best.settings.describe()})",
    )
    rep.section("Path")
    rep.table(
        ["step", "change", "from step", "train error", "dev error", "verdict"],
        [[s.index, s.change, s.based_on, s.train_error, s.dev_error, s.verdict] for s in recipe.steps],
    )
    rep.figures([("recipe.png", _recipe_figure(recipe, dataset), "train and dev error at every step")])
    for note in recipe.notes:
        rep.text(note)
    return rep.write(directory)


def _recipe_figure(recipe, dataset):
    fig, ax = new_figure(HALF)
    idx = [s.index for s in recipe.steps]
    ax.plot(idx, [s.train_error for s in recipe.steps], "o-", label="train error")
    ax.plot(idx, [s.dev_error for s in recipe.steps], "s-", label="dev error")
    best = [min(s.dev_error for s in recipe.steps[: i + 1]) for i in range(len(recipe.steps))]
    ax.step(idx, best, where="post", color="black", linewidth=1, label="best dev error so far")
    if recipe.target_dev_error is not None:
        ax.axhline(recipe.target_dev_error, color="grey", linestyle=":", label="target dev error")
    ax.set_xlabel("step")
    integer_ticks(ax)
    ax.set_ylabel("error")
    ax.set_title(f"Errors along the recipe, {dataset}", fontsize=9)
    ax.grid(True, alpha=0.3)
    legend_if_several(ax)
    return fig


def ensemble_report(result, directory):
    """Every member's dev accuracy beside the ensemble's."""
    rep = Report(f"practicalnn ensemble: {result.kind}", "probabilities averaged over the members")
    rows = [[m.name, m.dev_accuracy, m.test_accuracy] for m in result.members]
    rows.append(["ensemble", result.dev_accuracy, result.test_accuracy])
    rep.section("Accuracy")
    rep.table(["model", "dev accuracy", "test accuracy"], rows)
    fig, ax = new_figure(HALF)
    names = [m.name for m in result.members] + ["ensemble"]
    ax.bar(
        range(len(names)),
        [m.dev_accuracy for m in result.members] + [result.dev_accuracy],
        color=["#8aa"] * len(result.members) + ["#c63"],
    )
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
    low = min(m.dev_accuracy for m in result.members)
    ax.set_ylim(max(0.0, min(low, result.dev_accuracy) - 0.05), 1.0)
    ax.set_ylabel("dev accuracy")
    ax.set_title("Members and their average", fontsize=9)
    rep.figures([("ensemble.png", fig, "dev accuracy of each member and of the ensemble")])
    return rep.write(directory)

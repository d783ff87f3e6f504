"""The reports the CLI writes, built from results with ``plots`` and ``report``."""

from __future__ import annotations

import math

from .figures import HALF, THIRD, apply_scale, integer_ticks, new_figure, shared_scale
from .html import Report
from .plots import network_boundary, plot_costs

#: The notebook's axes for the moons plots.
MOONS_LIMITS = {"xlim": (-2.0, 2.3), "ylim": (-1.5, 2.2)}


def _limits(dataset):
    return MOONS_LIMITS if dataset.name == "moons" else {}


def boundary_figures(result, dataset, prefix):
    """Decision boundaries over the train and the test points (2-feature classification only)."""
    if dataset.n_x != 2 or result.network.output.name != "sigmoid":
        return []
    title = result.extra.get("title", result.name)
    return [
        (
            f"{prefix}_train.png",
            network_boundary(
                result.network, dataset.train_X, dataset.train_Y, title=f"{title}\ntrain points", **_limits(dataset)
            ),
            "decision boundary, train set",
        ),
        (
            f"{prefix}_test.png",
            network_boundary(
                result.network, dataset.test_X, dataset.test_Y, title=f"{title}\ntest points", **_limits(dataset)
            ),
            "decision boundary, test set",
        ),
    ]


def iterations_text(result):
    """ "10000 iterations", or "1800 of 20000 iterations (early_stopping)" when training ended early."""
    run, asked, stopped = result.history.iterations_run, result.config.iterations, result.history.stopped
    return f"{run} iterations" if run == asked else f"{run} of {asked} iterations ({stopped.replace('_', ' ')})"


def cost_figure(result, prefix, curves=True, scale=None):
    """J over the recorded iterations, on an axis that runs to the end of training; with ``curves``,
    the history's other cost curves beside it. ``scale`` shares one axis scale among compared figures."""
    h = result.history
    series = {"J (with penalty)": (h.iterations, h.cost)}
    if h.cost_unpenalized != h.cost:
        series["J without penalty"] = (h.iterations, h.cost_unpenalized)
    for name, (its, values) in h.curves.items() if curves else ():
        if name.endswith("cost"):  # accuracies and other curves do not belong on a cost axis
            series[name.replace("_", " ")] = (its, values)
    lr = result.config.learning_rate
    last = h.iterations[-1] if h.iterations else 0
    recorded = f"J every {result.config.record_every} iterations"
    return (
        f"{prefix}_cost.png",
        plot_costs(
            series,
            title=f"{result.extra.get('title', result.name)}\nlearning rate = {lr}",
            scale=scale,
            xmax=max(h.iterations_run, last),
            size=THIRD,
        ),
        recorded if last >= h.iterations_run else f"{recorded} (the last at {last}); training ran {h.iterations_run}",
    )


def schedule_varies(config):
    """Whether ``config``'s learning rate changes during training (a schedule other than a constant)."""
    return config.lr_schedule != "constant" and not (config.lr_schedule == "inverse" and not config.decay_rate)


def rate_text(config):
    """ "0.3", or "0.3 (exponential schedule, base 0.9, staircase every 5 epochs)" when it decays."""
    if not schedule_varies(config):
        return f"{config.learning_rate}"
    parameter = {
        "inverse": f"decay_rate {config.decay_rate:g}",
        "exponential": f"base {config.decay_base:g}",
        "inverse_sqrt": f"k {config.decay_k:g}",
    }[config.lr_schedule]
    stair = f", staircase every {config.time_interval} epochs" if config.time_interval else ""
    return f"{config.learning_rate} ({config.lr_schedule} schedule, {parameter}{stair})"


def rate_figure(result, m_train, prefix):
    """The learning rate of every update under the run's schedule (the course's learning-rate decay), as
    the trainer computes it: epoch ``e`` is update ``it // updates_per_epoch`` (every update with full
    batches). None when the rate never changes."""
    config = result.config
    if not schedule_varies(config):
        return None
    batch = config.batch_size
    per_epoch = math.ceil(m_train / batch) if batch and batch < m_train else 1
    last = max(result.history.iterations_run, 1)
    its = sorted({round(i * last / 400) for i in range(401)})  # the curve at 401 points at most
    rates = [config.rate(it // per_epoch) for it in its]
    fig, ax = new_figure(THIRD)
    ax.step(its, rates, where="post")
    scale = shared_scale(rates)
    apply_scale(ax, scale, "learning rate")
    if scale == "linear":
        ax.set_ylim(bottom=0)
    ax.set_xlabel("iteration")
    integer_ticks(ax)
    stair = f",\nstaircase every {config.time_interval} epochs" if config.time_interval else ""
    ax.set_title(f"Learning rate: {config.lr_schedule} schedule{stair}", fontsize=9)
    ax.grid(True, alpha=0.3)
    epochs = "every update is an epoch" if per_epoch == 1 else f"an epoch is {per_epoch} mini-batches"
    return f"{prefix}_learning_rate.png", fig, f"the learning rate of each update ({epochs})"


def reproduce_report(results, directory):
    from ..data.datasets import load_moons

    moons = load_moons()
    rep = Report(
        "The regularization notebook, reproduced",
        "Layers [2, 20, 3, 1], relu, sigmoid output, learning rate 0.3, 30000 iterations of full-batch "
        "gradient descent, the notebook's random streams (weights from seed 3, dropout masks from seed 1).",
    )
    rep.section("Results beside the notebook's published figures")
    rows = []
    for r in results:
        for row in r.extra["comparison"]:
            rows.append(
                [
                    r.extra["title"],
                    row["figure"],
                    repr(row["published"]),
                    repr(row["ours"]),
                    f"{row['relative_difference']:.1e}",
                    row["match"],
                ]
            )
    rep.table(
        ["experiment", "figure", "notebook", "practicalnn", "relative difference", "status"], rows, status_column=5
    )
    rep.text(
        "Costs must agree within 1e-9 relative and accuracies exactly. Regularization lowers training "
        "accuracy and, with L2, raises test accuracy: it stops the network from fitting the noise."
    )
    # one scale for the four cost figures, which are read side by side
    scale = shared_scale(*(r.history.cost for r in results), *(r.history.cost_unpenalized for r in results))
    rep.section("Cost curves")
    rep.figures(
        [
            (
                "costs_all.png",
                plot_costs(
                    {r.extra["title"]: (r.history.iterations, r.history.cost) for r in results},
                    title="J (with penalty) every 1000 iterations",
                    scale=scale,
                    size=HALF,
                ),
                "all three models",
            )
        ]
    )
    for r in results:
        rep.section(r.extra["title"])
        rep.figures(boundary_figures(r, moons, r.name) + [cost_figure(r, r.name, scale=scale)])
    return rep.write(directory)


def train_report(result, dataset, directory):
    rep = Report(
        f"practicalnn train: {dataset.name}",
        f"layers {result.setup['layer_sizes']}, {result.setup['activation']}, init {result.setup['init']}, "
        f"learning rate {rate_text(result.config)}, {iterations_text(result)}, "
        f"l2 {result.config.l2}, l1 {result.config.l1}, keep_prob {result.config.keep_prob}",
    )
    rep.section("Results")
    rep.table(
        ["set", "accuracy", "cost (without penalty)"],
        [["train", result.train_accuracy, result.train_cost], ["test", result.test_accuracy, result.test_cost]],
    )
    rep.section("Figures")
    rate = rate_figure(result, dataset.train_X.shape[1], "model")
    rep.figures(boundary_figures(result, dataset, "model") + [cost_figure(result, "model")] + ([rate] if rate else []))
    return rep.write(directory)

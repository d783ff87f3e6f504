"""Every report's figures follow the conventions of ``practicalnn.report.figures``: checked on the
matplotlib Figure objects the report writers build (the CLI writes the reports), not on pixels."""

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from practicalnn.cli import main
from practicalnn.report import figures as conventions
from practicalnn.report.html import Report

REPORTS = {
    "reproduce": ["reproduce"],
    "train": ["train", "--iterations", "10000"],
    "train_es": ["train", "--iterations", "20000", "--early-stopping"],
    "train_norm": ["train", "--iterations", "600", "--normalize", "--dev-fraction", "0.2"],
    "train_schedule": ["train", "--iterations", "600", "--batch-size", "64", "--lr-schedule", "inverse_sqrt"],
    "sweep": ["sweep", "--iterations", "300", "--workers", "1", "--l2", "0,0.7", "--keep-prob", "1,0.8"],
    "recipe": ["recipe", "--max-runs", "3", "--iterations", "100"],
    "signal": ["signal", "--depth", "8", "--width", "20", "--examples", "32"],
    "signal_linear": ["signal", "--linear", "--depth", "12"],
    "compare_init": ["compare-init", "--iterations", "300"],
    "ensemble": ["ensemble", "--members", "2", "--iterations", "100"],
    "tune": [
        *("tune", "--dataset", "breast_cancer", "--normalize", "--workers", "0", "--trials", "8"),
        *("--sampler", "random", "--pruner", "median", "--param", "learning_rate=log:1e-3:1", "--param", "l2=0:1"),
        *("--param", "hidden=choice:20,3|10", "--param", "iterations=300"),
    ],
    "tune_grid": [
        *("tune", "--dataset", "breast_cancer", "--normalize", "--workers", "0", "--sampler", "grid", "--pruner"),
        *("none", "--param", "l2=choice:0|0.5|2", "--param", "keep_prob=choice:1|0.8", "--param", "iterations=200"),
    ],
}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """name -> (figures {filename: Figure}, index.html text) for every report the CLI writes."""
    captured = []
    original = Report.write

    def write(self, directory):
        index = original(self, directory)
        captured.append((dict(self._figures), index.read_text()))
        return index

    Report.write = write
    try:
        out = {}
        for name, argv in REPORTS.items():
            directory = str(tmp_path_factory.mktemp(name))
            assert main([*argv, "--report", directory]) == 0, name
            out[name] = captured[-1]
        return out
    finally:
        Report.write = original


def _all_figures(reports):
    return [(name, file, fig) for name, (figs, _) in reports.items() for file, fig in figs.items()]


def _lines(ax):
    return [line for line in ax.get_lines() if not line.get_label().startswith("_")]


def test_figures_need_no_pyplot_and_fit_the_page_with_readable_text(reports):
    for name, file, fig in _all_figures(reports):
        assert isinstance(fig, Figure) and fig.canvas.manager is None, (name, file)  # not a pyplot figure
        assert fig.get_figwidth() <= conventions.PAGE_WIDTH_IN, (name, file)
        # shown at natural size: 96 CSS px per inch, so 8 pt is 10.7 px on the page
        width = round(fig.get_figwidth() * 96)
        assert f'width="{width}"' in reports[name][1], (name, file)
        small = [t.get_text() for t in fig.findobj(Text) if t.get_text() and t.get_fontsize() < 8.0]
        assert not small, (name, file, small)


def test_two_lines_or_more_always_have_a_legend(reports):
    for name, file, fig in _all_figures(reports):
        for ax in fig.axes:
            if len(_lines(ax)) >= 2:
                assert ax.get_legend() is not None, (name, file, ax.get_title())


def test_log_axes_say_so_and_follow_the_data(reports):
    for name, file, fig in _all_figures(reports):
        for ax in fig.axes:
            label = ax.get_ylabel()
            assert ("(log scale)" in label) == (ax.get_yscale() == "log"), (name, file, label)
        # a log axis only for data spanning decades: over the figure, whose panels share one scale (the
        # reproduce report's four cost figures share theirs too: tested below)
        logs = [ax for ax in fig.axes if ax.get_yscale() == "log" and _lines(ax)]
        if logs and name != "reproduce":
            ys = np.concatenate([np.asarray(line.get_ydata(), float) for ax in logs for line in _lines(ax)])
            ys = ys[np.isfinite(ys) & (ys > 0)]
            assert ys.max() / ys.min() > 100, (name, file)


def test_counts_get_integer_ticks(reports):
    for name, file, fig in _all_figures(reports):
        fig.canvas.draw()
        for ax in fig.axes:
            if ax.get_xlabel() in ("iteration", "step", "layer l"):
                lo, hi = sorted(ax.get_xlim())
                ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
                assert len(ticks) >= 3 and all(float(t).is_integer() for t in ticks), (name, file, ticks)


def test_reproduce_cost_figures_share_one_scale_and_each_has_a_legend(reports):
    figs, _ = reports["reproduce"]
    costs = [fig.axes[0] for file, fig in figs.items() if file.endswith("cost.png") or file == "costs_all.png"]
    assert len(costs) == 4
    # the notebook's own numbers: without regularization J falls from 1.03 to 4.5e-4, beyond a factor 100
    assert {ax.get_yscale() for ax in costs} == {"log"}
    assert all(ax.get_legend() is not None for ax in costs)


def test_train_cost_axis_runs_to_the_end_of_training(reports):
    figs, _ = reports["train"]
    ax = figs["model_cost.png"].axes[0]
    assert ax.get_xlim()[1] >= 10000  # J is recorded at 0, 1000, ..., 9000; training ran 10000


def test_early_stopping_states_both_counts_and_draws_no_two_point_line(reports):
    figs, page = reports["train_es"]
    assert "of 20000 iterations (early stopping)" in page
    for fig in figs.values():
        for ax in fig.axes:
            assert all(len(line.get_xdata()) > 2 for line in _lines(ax) if line.get_linestyle() != "--")


def test_sweep_heat_maps_share_one_colour_scale(reports):
    figs, _ = reports["sweep"]
    dev, train = (figs[f].axes[0].images[0] for f in ("heatmap_dev.png", "heatmap_train.png"))
    assert dev.get_clim() == train.get_clim()
    values = np.concatenate([np.ravel(dev.get_array()), np.ravel(train.get_array())])
    assert dev.get_clim() == (values.min(), values.max())


def test_recipe_names_its_dataset(reports):
    figs, page = reports["recipe"]
    assert "digits" in figs["recipe.png"].axes[0].get_title() and "digits" in page


def test_init_study_dead_units_as_the_cli_and_identical_curves_told(reports):
    figs, page = reports["compare_init"]
    # zeros: every relu unit of both hidden layers [20, 3] outputs 0 on every example
    assert '<td class="text">20/20 3/3</td>' in page
    # xavier and the notebook's 1/sqrt(n) are the same scale from the same seed: one curve under the other
    labels = [t.get_text() for t in figs["init_costs.png"].axes[0].get_legend().get_texts()]
    assert "notebook (identical to xavier)" in labels
    assert "notebook and xavier curves agree" in page


def test_signal_panels_are_full_width():
    from practicalnn.diagnostics.signal import signal_study
    from practicalnn.report.diagnostics import depth_figure

    fig = depth_figure(signal_study(depth=6, width=10, examples=16), "grad_norm", "||dW[l]||")
    assert len(fig.axes) == 3 and fig.get_figwidth() == conventions.FULL[0]


def test_scale_and_twin_rules():
    assert conventions.shared_scale([1.0, 0.5], [0.02]) == "linear"  # a factor 50
    assert conventions.shared_scale([1.0], [0.009]) == "log"  # a factor 111
    assert conventions.shared_limits([[0.9, np.nan]], [[1.0, 0.95]]) == (0.9, 1.0)
    twins = conventions.duplicate_of(
        {"a": ([0, 1], [1.0, 0.5]), "b": ([0, 1], [1.0, 0.5 + 1e-12]), "c": ([0, 1], [1, 0.4])}
    )
    assert twins == {"b": "a"}
    with pytest.raises(ValueError, match="size="):
        conventions.new_figure((20.0, 3.0))

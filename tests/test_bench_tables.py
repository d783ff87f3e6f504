"""W6's shape: both classifiers cross-validated in the same pipeline, the goal judged from the figures."""

from sklearn.linear_model import LogisticRegression

from practicalnn.bench.tables import ACCURACY_SLACK, w6


def test_w6_compares_like_with_like_and_judges_the_goal():
    calls = []
    result = w6(LogisticRegression(), datasets=("wine",), seeds=(0,), progress=lambda *a: calls.append(a))
    (row,) = result["rows"]
    assert (row["dataset"], row["n_samples"], row["n_features"]) == ("wine", 178, 13)
    ours, mlp = row["practicalnn"], row["mlp"]
    assert len(ours["fold_accuracies"]) == len(mlp["fold_accuracies"]) == 5
    assert ours["mean_accuracy"] > 0.95 and mlp["mean_accuracy"] > 0.95  # standardized wine is easy
    assert row["accuracy_met"] == (ours["mean_accuracy"] >= mlp["mean_accuracy"] - ACCURACY_SLACK)
    assert row["time_met"] == (ours["fit_seconds"] <= mlp["fit_seconds"])
    assert result["met"] == (row["accuracy_met"] and row["time_met"])
    assert [c[2] for c in calls] == ["W6 wine: practicalnn", "W6 wine: mlp"]

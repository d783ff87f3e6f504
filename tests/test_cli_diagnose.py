"""practicalnn diagnose prints what the diagnosis warns about beside its verdict."""

from practicalnn.cli import main


def run(args, capsys):
    try:
        code = main(args)
    except SystemExit as exit_:  # argparse errors
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def test_diagnose_prints_the_warning_of_a_train_error_below_the_bayes_error(capsys):
    # train error 0.1 below a Bayes error of 0.5 is impossible for the Bayes error as defined (the lowest
    # error any model reaches): the verdict stands, but the user is told why bias cannot be judged
    code, out, err = run(["diagnose", "--bayes-error", "0.5", "--train-error", "0.1", "--dev-error", "0.2"], capsys)
    assert code == 0 and err == ""
    lines = out.splitlines()
    verdict = lines.index("verdict: high variance")
    assert lines[verdict + 1].startswith("warning: the train error 0.1 is below the Bayes error 0.5")


def test_diagnose_without_a_warning_prints_none(capsys):
    code, out, err = run(["diagnose", "--train-error", "0.1", "--dev-error", "0.2"], capsys)
    assert code == 0 and "warning" not in out

"""Every public name resolves, and importing the package does not pull in the heavy parts."""

import subprocess
import sys

import practicalnn


def test_every_public_name_resolves():
    for name in practicalnn.__all__:
        assert getattr(practicalnn, name) is not None, name
    assert practicalnn.diagnose(0.01, 0.11).verdict == "high variance"


def test_import_is_light():
    code = "import sys, practicalnn; print(any(m.startswith('sklearn') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    assert out.strip() == "False"


def test_the_command_line_starts_without_scikit_learn():
    # every command's parser is built at start-up: none may pull in scikit-learn (over a second to import)
    code = (
        "import sys; from practicalnn.cli import build_parser; build_parser(); "
        "print(any(m.startswith('sklearn') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    assert out.strip() == "False"

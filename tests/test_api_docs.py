"""The API reference builds from the numpydoc docstrings with pdoc, without a single warning.

pdoc imports every module it documents and warns about what it cannot import, resolve or parse
(a name in ``__all__`` that does not exist, a module that fails to import, a signature or
annotation it cannot read). A warning here is a broken reference page, so it fails the suite.
The build is the one docs/index.md tells a reader to run; only the top-level package is named, so
the test keeps working while the modules under it move.
"""

import os
import subprocess
import sys
from pathlib import Path

import practicalnn

# The directory that holds the package this test imported, so pdoc documents the same one.
_ROOT = str(Path(practicalnn.__file__).resolve().parent.parent)


def build_api_docs(package, out, pythonpath=_ROOT):
    """``python -m pdoc --docformat numpy PACKAGE -o OUT`` in a fresh process: the completed process."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([pythonpath, os.environ.get("PYTHONPATH", "")]))
    return subprocess.run(
        [sys.executable, "-m", "pdoc", "--docformat", "numpy", package, "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def warnings_in(stderr):
    """pdoc's warnings ("Warn: ..." on stderr; a successful build writes nothing there)."""
    return [line for line in stderr.splitlines() if line.strip()]


def test_api_reference_builds_without_warnings(tmp_path):
    done = build_api_docs("practicalnn", tmp_path)
    assert done.returncode == 0, done.stderr
    assert warnings_in(done.stderr) == [], done.stderr
    page = (tmp_path / "practicalnn.html").read_text(encoding="utf-8")
    # every public name has its entry on the package's page or a page of its own
    missing = [
        name
        for name in practicalnn.__all__
        if f'id="{name}"' not in page and not (tmp_path / "practicalnn" / f"{name}.html").exists()
    ]
    assert missing == []


def test_a_broken_reference_is_caught(tmp_path):
    """The check above can fail: a package whose __all__ names a missing function warns."""
    pkg = tmp_path / "src" / "brokendocs"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(
        '"""A package."""\n__all__ = ["exists", "missing"]\n\n\ndef exists():\n    """Here."""\n'
    )
    done = build_api_docs("brokendocs", tmp_path / "out", pythonpath=str(tmp_path / "src"))
    assert any("missing" in line for line in warnings_in(done.stderr)), done.stderr

import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def reference():
    """The notebook's test-case inputs and printed outputs (a copy of shared/reference)."""
    return json.loads((DATA / "notebook_test_cases.json").read_text())

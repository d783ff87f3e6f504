import json
import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run: CI must not fail on a draw nobody saw.
# Explore new ones locally with --hypothesis-seed=N or HYPOTHESIS_PROFILE=explore.
settings.register_profile("deterministic", derandomize=True)
settings.register_profile("explore", derandomize=False, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def reference():
    """The notebook's test-case inputs and printed outputs (a copy of shared/reference)."""
    return json.loads((DATA / "notebook_test_cases.json").read_text())

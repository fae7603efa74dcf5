import os

import numpy as np
import pytest

# Every lowering in the suite checks the IR after each pass (tecomp.ir.well_formed);
# child processes the tests start inherit it.
os.environ.setdefault("TECOMP_CHECK_IR", "1")


@pytest.fixture
def rng():
    return np.random.default_rng(0)

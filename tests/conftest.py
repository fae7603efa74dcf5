import os
import tempfile

import numpy as np
import pytest

# Every lowering in the suite checks the IR after each pass (tecomp.ir.well_formed);
# child processes the tests start inherit it.
os.environ.setdefault("TECOMP_CHECK_IR", "1")
# The suite never reads or fills the user's compile cache (codegen/llvm/cache.py):
# one fresh directory per session, inherited by the subprocesses tests start.
_CACHE = tempfile.TemporaryDirectory(prefix="tecomp-test-cache-")
os.environ["TECOMP_CACHE_DIR"] = _CACHE.name
os.environ.pop("TECOMP_CACHE", None)
# Parallel loops of the small test kernels use every thread (by default a loop with
# little work per thread runs on the calling thread; test_llvm_parallel checks that).
os.environ["TECOMP_PARALLEL_MIN_WORK"] = "1"
# Streaming stores at their default size threshold (tests that want them set it).
os.environ.pop("TECOMP_STREAM_MIN_BYTES", None)


@pytest.fixture
def rng():
    return np.random.default_rng(0)

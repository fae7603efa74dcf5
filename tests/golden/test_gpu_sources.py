"""Golden files of the generated CUDA C and OpenCL C.

A change to the printer or the GPU passes shows up here as a readable diff.
After checking the new output, regenerate with::

    TECOMP_UPDATE_GOLDEN=1 python -m pytest tests/golden
"""

import os
import pathlib
import sys

import pytest

import tecomp as te

sys.path.insert(0, str(pathlib.Path(__file__).parent.parent / "gpu"))
import kernels  # noqa: E402

HERE = pathlib.Path(__file__).parent
CASES = {
    "vector_add": lambda: kernels.vector_add(),
    "window_sum": lambda: kernels.window_sum(1024, 3, 128),
    "row_sum": lambda: kernels.row_sum(cols=100),
    "matmul": lambda: kernels.matmul(64, 64, 32, block=(32, 32), threads=(16, 16), k_tile=8),
}
EXTENSIONS = {"cuda": "cu", "opencl": "cl"}


@pytest.mark.parametrize("target", sorted(EXTENSIONS))
@pytest.mark.parametrize("name", sorted(CASES))
def test_generated_source_matches_golden(name, target):
    s, args = CASES[name]()
    source = te.build(s, args, target=target, name=name).get_source()
    path = HERE / f"{name}.{EXTENSIONS[target]}"
    if os.environ.get("TECOMP_UPDATE_GOLDEN"):
        path.write_text(source)
    assert path.exists(), f"{path.name} missing; run with TECOMP_UPDATE_GOLDEN=1"
    assert source == path.read_text(), (f"{path.name} changed; check the diff and rerun with "
                                        "TECOMP_UPDATE_GOLDEN=1")

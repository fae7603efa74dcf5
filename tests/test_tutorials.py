"""Every tutorial runs, in quick mode, and checks its own results; with
matplotlib (the ``plot`` extra) it writes its images, and without it prints the
same numbers as tables and says how to get the pictures."""

import os
import pathlib
import subprocess
import sys

import pytest

from tecomp.runtime.gpu.opencl import opencl_devices

HERE = pathlib.Path(__file__).parent.parent / "tutorials"
TUTORIALS = sorted(HERE.glob("[0-9]*.py"))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def expected_images(stem):
    """The pictures each tutorial saves (with matplotlib)."""
    images = {"01_tensor_expressions": ["tensor_expressions_roofline.png"],
              "02_optimize_gemm_cpu": ["gemm_steps.png", "gemm_roofline.png"],
              "05_logistic_regression": ["logistic_regression_loss.png"]}
    if stem == "04_gpu_kernels" and any("cpu" in d.name.lower() or "pthread" in d.name.lower()
                                        for d in opencl_devices()[:1]):
        return ["gpu_roofline.png"]
    return images.get(stem, [])


#: Tutorials that draw pictures take ``--images DIR``.
DRAWING = {"01_tensor_expressions", "02_optimize_gemm_cpu", "04_gpu_kernels",
           "05_logistic_regression"}


def run(args, tmp_path, images=True):
    """Run a tutorial in ``tmp_path``, importing tecomp from this checkout (not
    whichever copy an editable install points at)."""
    extra = ["--images", str(tmp_path)] if images else []
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(HERE.parent)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    result = subprocess.run([sys.executable, *args, "--quick", *extra], env=env,
                            capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert "[ok]" in result.stdout
    return result.stdout


def check_png(path):
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert data[12:16] == b"IHDR" and width >= 300 and height >= 200, (path.name, width, height)
    image = pytest.importorskip("matplotlib.image").imread(path)   # decodes every pixel
    assert image.shape[:2] == (height, width)


@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.stem)
def test_tutorial_runs(path, tmp_path):
    out = run([str(path)], tmp_path, images=path.stem in DRAWING)
    images = expected_images(path.stem)
    if not images:
        return
    assert out.rstrip().splitlines()[-1].startswith("images: "), "last line names the folder"
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        pytest.skip("matplotlib missing (the plot extra): images not checked")
    assert out.rstrip().splitlines()[-1] == f"images: {tmp_path}"
    for name in images:
        assert f"saved {tmp_path / name}" in out
        check_png(tmp_path / name)


def test_tables_without_matplotlib(tmp_path):
    """matplotlib blocked: the tutorial still runs, prints its tables and says how
    to get the pictures; no image is written."""
    path = HERE / "02_optimize_gemm_cpu.py"
    block = ("import runpy, sys; sys.modules['matplotlib'] = None; "
             f"sys.path.insert(0, {str(HERE)!r}); sys.argv = sys.argv[1:]; "
             "runpy.run_path(sys.argv[0], run_name='__main__')")
    out = run(["-c", block, str(path)], tmp_path)
    assert "GFLOP/s per step" in out and "numpy (same run)" in out
    assert "where each kernel sits on the roofline:" in out and "8 register micro-tile" in out
    assert 'pip install -e ".[plot]"' in out
    assert out.rstrip().splitlines()[-1] == "images: (none: matplotlib is missing)"
    assert not list(tmp_path.glob("*.png"))

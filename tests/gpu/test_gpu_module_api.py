"""The GPU module API as TVM spells it: imported_modules[0].get_source(),
time_evaluator, save / export_library / load_module, Target.current() and the
device attributes of tvm.cl(0) / tvm.cuda(0)."""

import numpy as np
import pytest

import tecomp as tvm
from tecomp import te
from gpu_support import HAS_CUDA_GPU, needs_nvrtc, needs_opencl
from test_cross_thread_reduction import row_reduce


def test_device_attributes_of_the_opencl_device():
    dev = tvm.cl(0)
    if not dev.exist:
        pytest.skip("no OpenCL device")
    assert dev.max_threads_per_block >= 1 and dev.max_shared_memory_per_block > 0
    assert dev.warp_size == 1 and isinstance(dev.device_name, str)
    assert repr(dev) == "opencl(0)"


def test_cuda_device_exists_only_with_a_gpu():
    assert tvm.cuda(0).exist == HAS_CUDA_GPU and tvm.gpu(0).exist == HAS_CUDA_GPU
    if not HAS_CUDA_GPU:
        with pytest.raises(ValueError, match=r"gpu\(0\).max_threads_per_block: the device does "
                                             r"not exist"):
            tvm.cuda(0).max_threads_per_block
    else:
        assert tvm.cuda(0).warp_size == 32


def test_target_current_inside_with():
    with tvm.target.Target("cuda") as target:
        current = tvm.target.Target.current()
        assert current is target
        assert current.max_num_threads == 1024 and current.thread_warp_size == 32
    assert tvm.target.Target("opencl").thread_warp_size == 1
    assert tvm.target.Target("cuda -thread_warp_size=64").thread_warp_size == 64


@needs_opencl
def test_time_evaluator_save_export_and_load(rng, tmp_path):
    s, args = row_reduce(te.sum)
    f = tvm.build(s, args, target="opencl")
    assert "__kernel" in f.imported_modules[0].get_source()
    a = rng.random((64, 50), dtype=np.float32)
    b = np.zeros(64, np.float32)
    timer = f.time_evaluator(f.entry_name, tvm.cl(0), number=3, repeat=2)
    result = timer(a, b)
    assert len(result.results) == 2 and result.mean > 0
    np.testing.assert_allclose(b, a.sum(axis=1), rtol=1e-4)      # results come back
    f.save(str(tmp_path / "k.cl"))
    assert (tmp_path / "k.cl").read_text() == f.get_source()
    with pytest.raises(tvm.BuildError, match=r"save: unknown file type '.o' for a GPU module"):
        f.save(str(tmp_path / "k.o"))
    path = str(tmp_path / "reduce.so")
    f.export_library(path)
    g = tvm.load_module(path)
    assert g.get_source() == f.get_source()
    b2 = np.zeros(64, np.float32)
    g(a, b2)
    np.testing.assert_allclose(b2, a.sum(axis=1), rtol=1e-4)


@needs_nvrtc
def test_cuda_module_export_keeps_the_ptx(tmp_path):
    s, args = row_reduce(te.sum)
    f = tvm.build(s, args, target="cuda -arch=sm_80")
    path = str(tmp_path / "reduce_cuda.so")
    f.export_library(path)
    g = tvm.load_module(path)
    assert g.get_source("ptx") == f.get_source("ptx") and "__shfl_down_sync" in g.get_source()
    f.imported_modules[0].save(str(tmp_path / "k.ptx"), "ptx")
    assert ".entry" in (tmp_path / "k.ptx").read_text()

"""topi.cuda schedules (and topi.generic under `with target`) on OpenCL (PoCL)
against numpy, and compiled to PTX."""

import numpy as np
import pytest

import tecomp as tvm
from tecomp import te, topi
from codegen.cuda.nvrtc import nvrtc_available
from tecomp.runtime.gpu.opencl import opencl_devices

needs_opencl = pytest.mark.skipif(not opencl_devices(), reason="no OpenCL device")
needs_nvrtc = pytest.mark.skipif(not nvrtc_available(), reason="NVRTC unavailable")


def _softmax_ref(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def cases(rng):
    x = te.placeholder((6, 200), name="x")
    w = te.placeholder((16, 200), name="w")
    d = te.placeholder((2, 3, 9, 9), name="d")
    f = te.placeholder((4, 3, 3, 3), name="f")
    xv = rng.standard_normal((6, 200)).astype("float32")
    wv = rng.standard_normal((16, 200)).astype("float32")
    dv = rng.standard_normal((2, 3, 9, 9)).astype("float32")
    fv = rng.standard_normal((4, 3, 3, 3)).astype("float32")
    conv_ref = np.zeros((2, 4, 9, 9), "float32")
    padded = np.pad(dv, ((0, 0), (0, 0), (1, 1), (1, 1)))
    for r in range(3):
        for c in range(3):
            conv_ref += np.einsum("nchw,kc->nkhw", padded[:, :, r:r + 9, c:c + 9], fv[:, :, r, c])
    return {
        "reduce": ("schedule_reduce", topi.sum(x, axis=1), [x], [xv], xv.sum(axis=1)),
        "reduce_max_all": ("schedule_reduce", topi.max(x), [x], [xv], np.array(xv.max())),
        "softmax": ("schedule_softmax", topi.nn.softmax(x), [x], [xv], _softmax_ref(xv)),
        "injective": ("schedule_injective", topi.nn.relu(topi.add(x, x)), [x], [xv],
                      np.maximum(xv + xv, 0)),
        "dense": ("schedule_dense", topi.nn.dense(x, w), [x, w], [xv, wv], xv @ wv.T),
        "pool": ("schedule_pool", topi.nn.max_pool2d(d, (3, 3), (2, 2), (1, 1)), [d], [dv], None),
        "conv2d": ("schedule_conv2d_nchw", topi.nn.conv2d_nchw(d, f, 1, 1), [d, f], [dv, fv],
                   conv_ref),
    }


def _run(name, rng, target, via_generic):
    sched_name, out, ins, values, ref = cases(rng)[name]
    with tvm.target.Target(target):
        module = topi.generic if via_generic else topi.cuda
        s = getattr(module, sched_name)(out)
    f = tvm.build(s, ins + [out], target=target)
    if target == "cuda":
        assert ".entry" in f.get_source("ptx")
        return
    got = np.zeros([e.value for e in out.shape], out.dtype)
    f(*values, got)
    if ref is None:      # max pool reference by the CPU schedule
        cpu = tvm.build(topi.generic.schedule_pool(out), ins + [out])
        ref = np.zeros_like(got)
        cpu(*values, ref)
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-5)


@needs_opencl
@pytest.mark.parametrize("name", ["reduce", "reduce_max_all", "softmax", "injective", "dense",
                                  "pool", "conv2d"])
@pytest.mark.parametrize("via_generic", [False, True])
def test_topi_gpu_schedules_on_opencl(rng, name, via_generic):
    _run(name, rng, "opencl", via_generic)


@needs_nvrtc
@pytest.mark.parametrize("name", ["reduce", "reduce_max_all", "softmax", "injective", "dense",
                                  "pool", "conv2d"])
def test_topi_gpu_schedules_compile_to_ptx(rng, name):
    _run(name, rng, "cuda", True)


def test_generic_dispatch_stays_on_the_cpu_outside_a_gpu_target():
    x = te.placeholder((4, 8), name="x")
    y = topi.sum(x, axis=1)
    s = topi.generic.schedule_reduce(y)
    assert not any(attr.bind_thread for st in s.stages for attr in st.iter_var_attrs.values())

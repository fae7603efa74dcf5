"""The C-family kernels compute what the CPU and numpy compute: narrow integers
wrap, a user's int64 values are never narrowed to ``int``, integer min/max and
loop bounds compile, float min/max propagate NaN; OpenCL compiles at build time
and refuses a dtype its device lacks. Run on OpenCL (PoCL); CUDA sources are
checked by inspection and compiled to PTX through NVRTC."""

import re

import numpy as np
import pytest

import tecomp as te
from gpu_support import HAS_OPENCL, needs_nvrtc, needs_opencl

NARROW = ["int8", "uint8", "int16", "uint16"]

#: (name, tecomp body, numpy reference) over two arrays of the same narrow dtype
IDENTITIES = [
    ("sum_below_operand", lambda a, b: te.select(a + b < a, 1, 0).astype(a.dtype),
     lambda a, b: ((a + b) < a).astype(a.dtype)),
    ("difference_above_operand", lambda a, b: te.select(a - b > a, 1, 0).astype(a.dtype),
     lambda a, b: ((a - b) > a).astype(a.dtype)),
    ("product_floordiv", lambda a, b: (a * b) // te.const(3, a.dtype),
     lambda a, b: (a * b) // a.dtype.type(3)),
    ("product_equals_zero", lambda a, b: te.select(a * b == te.const(0, a.dtype), 1, 0)
     .astype(a.dtype), lambda a, b: (a * b == 0).astype(a.dtype)),
    ("negation_min", lambda a, b: te.min(-a, b), lambda a, b: np.minimum(-a, b)),
    ("sum_max", lambda a, b: te.max(a + b, a), lambda a, b: np.maximum(a + b, a)),
]


def _elementwise(dtypes, body, n=64, target="opencl", name="f"):
    args = [te.placeholder((n,), name=f"A{k}", dtype=d) for k, d in enumerate(dtypes)]
    C = te.compute((n,), lambda i: body(*[a[i] for a in args]), name="C")
    s = te.create_schedule(C.op)
    if target != "llvm":
        bx, tx = s[C].split(C.op.axis[0], factor=16)
        s[C].bind(bx, te.thread_axis("blockIdx.x"))
        s[C].bind(tx, te.thread_axis("threadIdx.x"))
    return te.build(s, args + [C], target=target, name=name), C.dtype


def _data(dtype, n=64, seed=0):
    rng = np.random.default_rng(seed)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, n, endpoint=True).astype(dtype)


@needs_opencl
@pytest.mark.parametrize("dtype", NARROW)
@pytest.mark.parametrize("name,body,ref", IDENTITIES, ids=[c[0] for c in IDENTITIES])
def test_narrow_integers_wrap_on_opencl_as_on_the_cpu(dtype, name, body, ref):
    a, b = _data(dtype, seed=1), _data(dtype, seed=2)
    expected = ref(a, b)
    with np.errstate(over="ignore"):
        for target in ("llvm", "opencl"):
            f, out_dtype = _elementwise([dtype, dtype], body, target=target)
            c = np.zeros(64, out_dtype)
            f(a, b, c)
            np.testing.assert_array_equal(c, expected, err_msg=f"{target}: {name} {dtype}")


@needs_nvrtc
@pytest.mark.parametrize("dtype", NARROW)
def test_cuda_casts_narrow_results_back_and_compiles(dtype):
    f, _ = _elementwise([dtype, dtype], IDENTITIES[0][1], target="cuda")
    source = f.get_source()
    ctype = {"int8": "signed char", "uint8": "unsigned char", "int16": "short",
             "uint16": "unsigned short"}[dtype]
    # the sum is cast back to the narrow type before it is compared
    assert re.search(rf"\(\({ctype}\)\(A0\[.*\] \+ A1\[.*\]\)\) <", source), source
    assert ".entry f_kernel0" in f.get_source("ptx")


def test_user_int64_values_are_not_narrowed():
    """Small constant shapes let indices print as int; the user's int64 values don't."""
    f, _ = _elementwise(["int32"], lambda x: (x.astype("int64") * 3000000007 // 1000000000)
                        .astype("int32"), target="cuda")
    source = f.get_source()
    assert "long long" in source and "3000000007LL" in source
    if HAS_OPENCL:
        f, _ = _elementwise(["int32"], lambda x: (x.astype("int64") * 3000000007 //
                                                   1000000000).astype("int32"))
        a = (np.arange(64, dtype="int32") - 32) * 1000
        c = np.zeros(64, "int32")
        f(a, c)
        np.testing.assert_array_equal(c, a.astype("int64") * 3000000007 // 1000000000)


@needs_opencl
def test_index_int64_arithmetic_in_a_value_is_not_narrowed():
    n = 64
    C = te.compute((n,), lambda i: ((i + 2000) * (i + 2000) * (i + 2000) // 1000000)
                   .astype("int32"), name="C")
    s = te.create_schedule(C.op)
    bx, tx = s[C].split(C.op.axis[0], factor=16)
    s[C].bind(bx, te.thread_axis("blockIdx.x"))
    s[C].bind(tx, te.thread_axis("threadIdx.x"))
    f = te.build(s, [C], target="opencl")
    assert "C[((((int)get_group_id(0)) * 16)" in f.get_source()   # the index is narrow
    c = np.zeros(n, "int32")
    f(c)
    i = np.arange(n, dtype="int64")
    np.testing.assert_array_equal(c, (i + 2000) ** 3 // 1000000)


@needs_opencl
@pytest.mark.parametrize("dtype", ["int64", "int8", "uint16"])
def test_integer_min_max_with_constants_compile_at_build_time(dtype):
    zero, three = te.const(0, dtype), te.const(3, dtype)
    f, _ = _elementwise([dtype, dtype], lambda a, b: te.max(te.min(a, three), zero) + te.min(a, b))
    a, b = _data(dtype, seed=3), _data(dtype, seed=4)
    c = np.zeros(64, dtype)
    f(a, b, c)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(c, np.maximum(np.minimum(a, 3), 0).astype(dtype) +
                                      np.minimum(a, b))


@needs_opencl
def test_partitioned_loop_bounds_of_a_symbolic_size_compile():
    """Loop partitioning gives bounds such as max(min(n // 3, 3), 0) in long."""
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] * 2, name="B")
    C = te.compute((n,), lambda i: B[i] + 1, name="C")
    s = te.create_schedule(C.op)
    bx, tx = s[C].split(C.op.axis[0], factor=8)
    io, _ = s[C].split(tx, factor=3)
    s[C].bind(bx, te.thread_axis("blockIdx.x"))
    s[B].compute_at(s[C], io)
    f = te.build(s, [A, C], target="opencl")
    assert "max(((long)min(" in f.get_source()
    for size in (1, 7, 20):
        a = np.arange(size, dtype="float32")
        c = np.zeros(size, "float32")
        f(a, c)
        np.testing.assert_array_equal(c, a * 2 + 1)


@needs_opencl
def test_float16_without_the_device_extension_is_refused_at_build():
    import pyopencl as cl
    device = [d for p in cl.get_platforms() for d in p.get_devices()][0]
    if "cl_khr_fp16" in device.extensions:
        pytest.skip("this OpenCL device supports float16")
    with pytest.raises(te.BuildError, match=r"float16.*cl_khr_fp16") as info:
        _elementwise(["float16", "float16"], lambda a, b: a + b)
    assert device.name.strip() in str(info.value)


@needs_opencl
def test_invalid_source_fails_build_not_the_first_call(monkeypatch):
    from codegen.opencl import OpenCLDialect
    monkeypatch.setitem(OpenCLDialect.math["float32"], "exp", "undefined_function_in_kernel")
    with pytest.raises(te.BuildError, match="OpenCL compilation failed"):
        _elementwise(["float32"], lambda a: te.exp(a))


# ------------------------------------------------------------------ NaN in min / max

_NAN_CASES = np.array([[np.nan, 1.0], [1.0, np.nan], [np.nan, np.nan], [2.0, -3.0],
                       [-np.inf, np.nan], [np.inf, 1.0]], "float32")


@pytest.mark.parametrize("target", ["llvm", pytest.param("opencl", marks=needs_opencl)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_min_max_propagate_nan_as_numpy(target, dtype):
    a = np.ascontiguousarray(_NAN_CASES[:, 0], dtype)
    b = np.ascontiguousarray(_NAN_CASES[:, 1], dtype)
    for op, ref in ((te.min, np.minimum), (te.max, np.maximum)):
        for x, y in ((a, b), (b, a)):
            f, _ = _elementwise([dtype, dtype], lambda p, q: op(p, q), n=len(a), target=target)
            c = np.zeros(len(a), dtype)
            f(x, y, c)
            np.testing.assert_array_equal(c, ref(x, y), err_msg=f"{target} {op} {dtype}")


@pytest.mark.parametrize("target", ["llvm", pytest.param("opencl", marks=needs_opencl)])
def test_max_reduction_propagates_nan_as_numpy(target):
    n, m = 8, 16
    A = te.placeholder((n, m), name="A")
    k = te.reduce_axis((0, m), name="k")
    B = te.compute((n,), lambda i: te.max(A[i, k], axis=k), name="B")
    s = te.create_schedule(B.op)
    if target != "llvm":
        s[B].bind(B.op.axis[0], te.thread_axis("threadIdx.x"))
    else:
        s[B].vectorize(B.op.axis[0])
    f = te.build(s, [A, B], target=target)
    a = np.random.default_rng(5).random((n, m), dtype=np.float32)
    a[1, 0] = a[3, 7] = a[6, 15] = np.nan
    b = np.zeros(n, "float32")
    f(a, b)
    np.testing.assert_array_equal(b, a.max(axis=1))


@needs_nvrtc
def test_cuda_min_max_propagate_nan_in_source_and_compile():
    f, _ = _elementwise(["float32", "float32"], lambda a, b: te.min(a, b) + te.max(a, b),
                        target="cuda")
    source = f.get_source()
    assert "fminf" not in source and "fmaxf" not in source
    assert "return (a < b || isnan(a)) ? a : b;" in source
    assert "return (a > b || isnan(a)) ? a : b;" in source
    assert ".entry f_kernel0" in f.get_source("ptx")

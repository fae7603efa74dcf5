"""Lets in C-family kernels: each value is printed and computed once.

A compute body built as a DAG (``x = max(x, x // 2) - min(x, x // 2)`` in a
loop) reaches the printer as a chain of lets (:mod:`tecomp.ir.share`). The
printer used to substitute every let into its body, so a 10-level chain became
57 MB of OpenCL C that PoCL took minutes and gigabytes to compile (found by the
GPU fuzz sample on the fuzzer's deep shared chains). Now a let is a variable
declared before the statement and assigned where the expression is evaluated,
``(x = value, body)``, so a let under an ``if_then_else`` arm stays under it.
"""

import numpy as np
import pytest

import tecomp as te
from codegen.c_source.printer import print_kernels
from codegen.cuda import CUDADialect
from codegen.opencl import OpenCLDialect
from gpu_support import needs_opencl

DIALECTS = [("opencl", OpenCLDialect), ("cuda", CUDADialect)]


def _chain(x, levels):
    two = te.const(2, x.dtype)
    for _ in range(levels):
        half = x // two
        x = te.max(x, half) - te.min(x, half)
    return x


def _chain_numpy(x, levels):
    for _ in range(levels):
        half = x // x.dtype.type(2)
        x = np.maximum(x, half) - np.minimum(x, half)
    return x


def _bound(s, tensor, threads=16):
    bx, tx = s[tensor].split(s[tensor].op.axis[0], factor=threads)
    s[tensor].bind(bx, te.thread_axis("blockIdx.x"))
    s[tensor].bind(tx, te.thread_axis("threadIdx.x"))


def _chain_program(levels, dtype="int32", n=64):
    A = te.placeholder((n,), dtype=dtype, name="A")
    B = te.compute((n,), lambda i: _chain(A[i], levels), name="B")
    s = te.create_schedule(B.op)
    _bound(s, B)
    return s, [A, B]


def _source(s, args, target, dialect):
    lowered = te.lower_for_target([te.lower(s, args, name="f")], target)
    kernels = [k for p in lowered.programs for k in p.kernels]
    return print_kernels(kernels, dialect(), lowered.narrow_index)


@pytest.mark.parametrize("target, dialect", DIALECTS)
def test_shared_chain_source_grows_linearly(target, dialect):
    sizes = [len(_source(*_chain_program(levels), target, dialect)) for levels in (6, 8)]
    # the tree of an 8-level chain has 4**8 nodes; its source grows by a level's lines
    assert sizes[1] < 1.5 * sizes[0], sizes
    assert sizes[1] < 10000, sizes


@needs_opencl
@pytest.mark.parametrize("dtype", ["int32", "int8", "uint16"])
def test_shared_chain_runs_on_opencl(dtype):
    s, args = _chain_program(14, dtype)
    f = te.build(s, args, target="opencl")
    rng = np.random.default_rng(0)
    info = np.iinfo(dtype)
    a = rng.integers(info.min, info.max, 64, endpoint=True).astype(dtype)
    b = np.zeros(64, dtype)
    f(a, b)
    np.testing.assert_array_equal(b, _chain_numpy(a, 14))


def _guarded_chain(n=64):
    """A shared chain only the in-bounds arm of an if_then_else reads: A[i + 1]
    must not be loaded for the last i."""
    A = te.placeholder((n,), dtype="int32", name="A")
    B = te.compute((n,), lambda i: te.if_then_else(i + 1 < n, _chain(A[i + 1], 8),
                                                   te.const(-1, "int32")), name="B")
    s = te.create_schedule(B.op)
    _bound(s, B)
    return s, [A, B]


@pytest.mark.parametrize("target, dialect", DIALECTS)
def test_let_under_an_if_then_else_arm_stays_there(target, dialect):
    source = _source(*_guarded_chain(), target, dialect)
    statement = next(line for line in source.splitlines() if "B[" in line and " = " in line)
    arm = statement.split("?", 1)[1]
    assert "A[" not in statement.split("?", 1)[0]      # no load before the condition
    assert "A[" in arm and "cse0 = " in arm


@needs_opencl
def test_let_under_an_if_then_else_arm_runs_bounds_checked():
    s, args = _guarded_chain()
    f = te.build(s, args, target="opencl", debug=True)
    a = np.arange(64, dtype="int32") - 30
    b = np.zeros(64, "int32")
    f(a, b)
    want = np.full(64, -1, "int32")
    want[:-1] = _chain_numpy(a[1:], 8)
    np.testing.assert_array_equal(b, want)


def test_vector_let_is_bound_once_per_lane():
    n = 16
    A = te.placeholder((n,), dtype="int32", name="A")
    B = te.compute((n,), lambda i: _chain(A[i], 8), name="B")
    s = te.create_schedule(B.op)
    bx, rest = s[B].split(B.op.axis[0], factor=8)
    tx, v = s[B].split(rest, factor=4)
    s[B].bind(bx, te.thread_axis("blockIdx.x"))
    s[B].bind(tx, te.thread_axis("threadIdx.x"))
    s[B].vectorize(v)
    source = _source(s, [A, B], "opencl", OpenCLDialect)
    assert len(source) < 30000, len(source)
    assert all(f"cse0_{k} = " in source for k in range(4))    # lane by lane

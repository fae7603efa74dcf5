"""Streaming (non-temporal) stores for large outputs written once and not read back
(codegen/llvm/streaming_stores.py): emitted where they may be, correct at every
alignment and size, absent where the output is read back, small, or aliased."""

import platform

import numpy as np
import pytest

import tecomp as te
from codegen.llvm.streaming_stores import (L2_MULTIPLE, stream_alignments, stream_min_bytes,
                                           streaming_stores)
from tecomp.target import Target

x86 = pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"),
                         reason="streaming stores are emitted on x86-64 only")


def window_sum(n, factor=64, parallel=False, width=3):
    """The tutorial's window sum: a local block per ``factor`` outputs, stored once."""
    A = te.placeholder((n + width - 1,), name="A")
    r = te.reduce_axis((0, width), name="r")
    B = te.compute((n,), lambda i: te.sum(A[i + r], axis=r), name="B")
    s = te.create_schedule(B.op)
    BL = s.cache_write(B, "local")
    outer, inner = s[B].split(B.op.axis[0], factor=factor)
    s[B].vectorize(inner)
    if parallel:
        s[B].parallel(outer)
    s[BL].compute_at(s[B], outer)
    (i,) = s[BL].op.axis
    s[BL].reorder(s[BL].op.reduce_axis[0], i)
    s[BL].vectorize(i)
    return s, [A, B]


def placed(n, dtype, offset_bytes):
    """An empty array of ``n`` elements whose data starts ``offset_bytes`` past a
    64-byte boundary."""
    itemsize = np.dtype(dtype).itemsize
    raw = np.empty(n * itemsize + 128, np.uint8)
    start = -raw.ctypes.data % 64 + offset_bytes
    out = raw[start:start + n * itemsize].view(dtype)
    assert out.ctypes.data % 64 == offset_bytes
    return out


@pytest.fixture
def stream_everything(monkeypatch):
    monkeypatch.setenv("TECOMP_STREAM_MIN_BYTES", "0")


@x86
@pytest.mark.parametrize("parallel", [False, True])
def test_window_sum_streams_and_fences(stream_everything, parallel):
    s, args = window_sum(1000, parallel=parallel)
    f = te.build(s, args, name="window")
    ll = f.get_source("ll")
    assert "!nontemporal" in ll
    assert "@llvm.x86.sse.sfence()" in ll
    asm = f.get_source("asm")
    assert "vmovntps" in asm or "movntps" in asm


@x86
@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("factor", [4, 8, 16, 64, 12])
@pytest.mark.parametrize("n", [1000, 1024, 7])
def test_window_sum_correct_at_every_alignment(stream_everything, parallel, factor, n):
    s, args = window_sum(n, factor=factor, parallel=parallel)
    f = te.build(s, args, name="window")
    a = np.random.default_rng(n).random(n + 2, dtype="float32")
    want = a[:-2] + a[1:-1] + a[2:]
    for offset in range(0, 64, 4):      # every float position within a cache line
        b = placed(n, "float32", offset)
        b[:] = np.nan
        f(a, b)
        np.testing.assert_allclose(b, want, rtol=1e-6, err_msg=f"output {offset} bytes off")


@x86
@pytest.mark.parametrize("dtype,lanes", [("float64", 8), ("int8", 16), ("int16", 32),
                                         ("float16", 16)])
def test_other_element_types(stream_everything, dtype, lanes):
    n = 16 * lanes + 3
    A = te.placeholder((n,), dtype=dtype, name="A")
    B = te.compute((n,), lambda i: A[i] + A[i], name="B")
    s = te.create_schedule(B.op)
    s[B].vectorize(s[B].split(B.op.axis[0], factor=lanes)[1])
    f = te.build(s, [A, B], name="double")
    assert "!nontemporal" in f.get_source("ll")
    a = (np.arange(n) % 50).astype(dtype)
    for offset in range(0, 64, np.dtype(dtype).itemsize):
        b = placed(n, dtype, offset)
        f(a, b)
        np.testing.assert_array_equal(b, a + a)


@x86
def test_not_streamed_when_read_back(stream_everything):
    """A reduction accumulates in its output (loads it): ordinary stores."""
    n = 64
    A = te.placeholder((n, n), name="A")
    k = te.reduce_axis((0, n), name="k")
    C = te.compute((n, n), lambda i, j: te.sum(A[i, k] * A[k, j], axis=k), name="C")
    s = te.create_schedule(C.op)
    i, j = C.op.axis
    jo, ji = s[C].split(j, factor=16)
    s[C].reorder(i, jo, s[C].op.reduce_axis[0], ji)
    s[C].vectorize(ji)
    f = te.build(s, [A, C], name="mm")
    assert "!nontemporal" not in f.get_source("ll")
    a = np.random.default_rng(0).random((n, n), dtype="float32")
    c = np.zeros((n, n), "float32")
    f(a, c)
    np.testing.assert_allclose(c, a @ a, rtol=1e-5)


@x86
def test_not_streamed_when_small(monkeypatch):
    monkeypatch.delenv("TECOMP_STREAM_MIN_BYTES", raising=False)
    s, args = window_sum(1 << 12)
    assert "!nontemporal" not in te.build(s, args, name="window").get_source("ll")


@x86
def test_in_place_pointwise_call_streams_correctly(stream_everything):
    """f(a, a) of a pointwise kernel: each element is read before it is overwritten."""
    n = 1000
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] * 2 + 1, name="B")
    s = te.create_schedule(B.op)
    outer, inner = s[B].split(B.op.axis[0], factor=16)
    s[B].vectorize(inner)
    s[B].parallel(outer)
    f = te.build(s, [A, B], name="affine")
    assert "!nontemporal" in f.get_source("ll")
    for offset in range(0, 64, 4):
        a = placed(n, "float32", offset)
        a[:] = np.arange(n)
        f(a, a)
        np.testing.assert_array_equal(a, np.arange(n, dtype="float32") * 2 + 1)


def test_analysis_without_building(monkeypatch):
    monkeypatch.delenv("TECOMP_STREAM_MIN_BYTES", raising=False)
    s, args = window_sum(1 << 12)
    func = te.lower(s, args, name="window")
    out = func.buffer_params[1]
    assert streaming_stores(func, 0) == {out}
    assert streaming_stores(func, (1 << 12) * 4) == {out}
    assert streaming_stores(func, (1 << 12) * 4 + 1) == set()
    assert streaming_stores(func, None) == set()


def test_threshold_and_sizes_come_from_the_target(monkeypatch):
    monkeypatch.delenv("TECOMP_STREAM_MIN_BYTES", raising=False)
    avx2 = Target("llvm -mtriple=x86_64-unknown-linux-gnu -mcpu=znver3")
    assert stream_min_bytes(avx2) == L2_MULTIPLE * avx2.cache_bytes[2]
    assert stream_min_bytes(Target("llvm -mtriple=aarch64-linux-gnu")) is None
    monkeypatch.setenv("TECOMP_STREAM_MIN_BYTES", "123")
    assert stream_min_bytes(avx2) == 123
    assert stream_alignments(256) == (64, 16)
    assert stream_alignments(32) == (32, 16)
    assert stream_alignments(16) == (16,)
    assert stream_alignments(48) == () and stream_alignments(8) == ()

"""End to end: cache_read, cache_write and rfactor, alone and with compute_at."""

import numpy as np
import pytest

import tecomp as te


def matmul(n, m, l):
    A = te.placeholder((n, l), name="A")
    B = te.placeholder((l, m), name="B")
    k = te.reduce_axis((0, l), name="k")
    C = te.compute((n, m), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    return A, B, C


def check_matmul(s, A, B, C, shape, rng):
    n, m, l = shape
    f = te.build(s, [A, B, C])
    a, b = rng.random((n, l), dtype="float32"), rng.random((l, m), dtype="float32")
    c = np.empty((n, m), "float32")
    f(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-4)


@pytest.mark.parametrize("shape", [(64, 64, 64), (50, 37, 29)])
def test_cache_write_at_tile(shape, rng):
    A, B, C = matmul(*shape)
    s = te.create_schedule(C.op)
    CC = s.cache_write(C, "local")
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], 8, 16)
    s[CC].compute_at(s[C], jo)
    ic, jc = s[CC].op.axis
    (k,) = s[CC].op.reduce_axis
    ko, ki = s[CC].split(k, factor=4)
    s[CC].reorder(ko, ic, ki, jc)
    text = str(te.lower(s, [A, B, C]))
    assert "allocate C.local[float32 * 128] in local" in text
    check_matmul(s, A, B, C, shape, rng)


def test_cache_read_packing_at_outer_loop(rng):
    A, B, C = matmul(48, 40, 24)
    s = te.create_schedule(C.op)
    BB = s.cache_read(B, "global", [C])
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], 16, 8)
    s[BB].compute_at(s[C], jo)
    text = str(te.lower(s, [A, B, C]))
    assert "allocate B.global[float32 * 192]" in text
    check_matmul(s, A, B, C, (48, 40, 24), rng)


def test_cache_read_and_write_together(rng):
    A, B, C = matmul(32, 32, 32)
    s = te.create_schedule(C.op)
    AA = s.cache_read(A, "local", [C])
    CC = s.cache_write(C, "local")
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], 4, 4)
    s[CC].compute_at(s[C], jo)
    s[AA].compute_at(s[CC], s[CC].op.reduce_axis[0])
    check_matmul(s, A, B, C, (32, 32, 32), rng)


@pytest.mark.parametrize("n", [128, 1000])
def test_rfactor_row_sum(n, rng):
    A = te.placeholder((7, n), name="A")
    k = te.reduce_axis((0, n), name="k")
    B = te.compute((7,), lambda i: te.sum(A[i, k], axis=k), name="B")
    s = te.create_schedule(B.op)
    ko, ki = s[B].split(k, factor=16)
    BF = s.rfactor(B, ki)
    assert BF.shape[0].value == 16
    f = te.build(s, [A, B])
    a = rng.random((7, n), dtype="float32")
    b = np.empty(7, "float32")
    f(a, b)
    np.testing.assert_allclose(b, a.sum(axis=1), rtol=1e-5)


def test_rfactor_outer_part_and_factor_axis(rng):
    A = te.placeholder((5, 90), name="A")
    k = te.reduce_axis((0, 90), name="k")
    B = te.compute((5,), lambda i: te.max(A[i, k], axis=k), name="B")
    s = te.create_schedule(B.op)
    ko, ki = s[B].split(k, nparts=4)
    BF = s.rfactor(B, ko, factor_axis=1)
    assert [int(x.value) for x in BF.shape] == [5, 4]
    f = te.build(s, [A, B])
    a = rng.standard_normal((5, 90)).astype("float32")
    b = np.empty(5, "float32")
    f(a, b)
    np.testing.assert_array_equal(b, a.max(axis=1))


def test_cache_errors():
    A, B, C = matmul(8, 8, 8)
    s = te.create_schedule(C.op)
    with pytest.raises(te.ScheduleError, match=r"cache_read\(A\): unknown scope 'texture'"):
        s.cache_read(A, "texture", [C])
    D = te.compute((8,), lambda i: A[i, 0], name="D")
    with pytest.raises(te.ScheduleError, match="is not part of this schedule"):
        s.cache_read(A, "local", [D])
    s[C].split(C.op.axis[0], factor=2)
    with pytest.raises(te.ScheduleError, match=r"cache_write\(C\): call cache_write before scheduling"):
        s.cache_write(C, "local")
    with pytest.raises(te.ScheduleError, match=r"rfactor\(C\): axis 'i.outer' is not a reduction axis"):
        s.rfactor(C, s[C].leaf_iter_vars[0])


def test_storage_align_pads_rows(rng):
    A = te.placeholder((16, 30), name="A")
    B = te.compute((16, 30), lambda i, j: A[i, j] * 2.0, name="B")
    C = te.compute((16, 30), lambda i, j: B[i, j] + 1.0, name="C")
    s = te.create_schedule(C.op)
    s[B].storage_align(B.op.axis[0], 32, 1)
    text = str(te.lower(s, [A, C]))
    assert "allocate B[float32 * 528]" in text      # rows padded from 30 to 33 elements
    f = te.build(s, [A, C])
    a = rng.random((16, 30), dtype="float32")
    c = np.empty_like(a)
    f(a, c)
    np.testing.assert_allclose(c, a * 2 + 1)


def test_pragma_unroll(rng):
    A = te.placeholder((8, 4), name="A")
    B = te.compute((8, 4), lambda i, j: A[i, j] + 1.0, name="B")
    s = te.create_schedule(B.op)
    s[B].pragma(B.op.axis[1], "unroll")
    text = str(te.lower(s, [A, B]))
    assert text.count("for (") == 1
    f = te.build(s, [A, B])
    a = rng.random((8, 4), dtype="float32")
    b = np.empty_like(a)
    f(a, b)
    np.testing.assert_allclose(b, a + 1)

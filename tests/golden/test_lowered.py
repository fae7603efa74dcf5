"""Golden files of ``str(te.lower(...))`` for canonical schedules, and of the
unoptimized LLVM IR of a few kernels.

A change to bound inference, loop-nest construction or a lowering pass shows up
here as a readable diff. After checking the new output, regenerate with::

    TECOMP_UPDATE_GOLDEN=1 python -m pytest tests/golden
"""

import os
import pathlib
import re

import pytest

import tecomp as te

HERE = pathlib.Path(__file__).parent / "lowered"


def non_dividing_split():
    A = te.placeholder((37,), name="A")
    B = te.compute((37,), lambda i: A[i] * 2.0, name="B")
    s = te.create_schedule(B.op)
    s[B].split(B.op.axis[0], factor=8)
    return s, [A, B]


def compute_at_stencil():
    n = 64
    A = te.placeholder((n + 2,), name="A")
    T = te.compute((n + 2,), lambda i: A[i] + 1.0, name="T")
    B = te.compute((n,), lambda i: T[i] + T[i + 1] + T[i + 2], name="B")
    s = te.create_schedule(B.op)
    xo, xi = s[B].split(B.op.axis[0], factor=16)
    s[T].compute_at(s[B], xo)
    return s, [A, B]


def cache_write_reduction():
    A = te.placeholder((32, 16), name="A")
    k = te.reduce_axis((0, 16), name="k")
    B = te.compute((32,), lambda i: te.sum(A[i, k], axis=k), name="B")
    s = te.create_schedule(B.op)
    BL = s.cache_write(B, "local")
    io, ii = s[B].split(B.op.axis[0], factor=4)
    s[BL].compute_at(s[B], io)
    return s, [A, B]


def rfactor():
    A = te.placeholder((128,), name="A")
    k = te.reduce_axis((0, 128), name="k")
    B = te.compute((1,), lambda _: te.sum(A[k], axis=k), name="B")
    s = te.create_schedule(B.op)
    ko, ki = s[B].split(k, factor=16)
    BF = s.rfactor(B, ki)
    s[BF].vectorize(s[BF].op.axis[0])
    return s, [A, B]


def vectorize_partition():
    A = te.placeholder((30,), name="A")
    B = te.compute((30,), lambda i: A[i] + 1.0, name="B")
    s = te.create_schedule(B.op)
    xo, xi = s[B].split(B.op.axis[0], factor=8)
    s[B].vectorize(xi)
    return s, [A, B]


def parallel():
    n = te.var("n")
    A = te.placeholder((n, 16), name="A")
    B = te.compute((n, 16), lambda i, j: A[i, j] * A[i, j], name="B")
    s = te.create_schedule(B.op)
    s[B].parallel(B.op.axis[0])
    s[B].vectorize(B.op.axis[1])
    return s, [A, B]


def tiled_matmul():
    A = te.placeholder((32, 24), name="A")
    W = te.placeholder((24, 16), name="W")
    k = te.reduce_axis((0, 24), name="k")
    C = te.compute((32, 16), lambda i, j: te.sum(A[i, k] * W[k, j], axis=k), name="C")
    s = te.create_schedule(C.op)
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], 8, 8)
    ko, ki = s[C].split(s[C].op.reduce_axis[0], factor=4)
    s[C].reorder(io, jo, ko, ii, ki, ji)
    s[C].unroll(ki)
    return s, [A, W, C]


def inline_fuse():
    A = te.placeholder((8, 12), name="A")
    T = te.compute((8, 12), lambda i, j: A[i, j] * 3.0, name="T")
    B = te.compute((8, 12), lambda i, j: te.max(T[i, j], te.const(0.0)), name="B")
    s = te.create_schedule(B.op)
    s[T].compute_inline()
    s[B].fuse(B.op.axis[0], B.op.axis[1])
    return s, [A, B]


SCHEDULES = {f.__name__: f for f in (non_dividing_split, compute_at_stencil,
                                     cache_write_reduction, rfactor, vectorize_partition,
                                     parallel, tiled_matmul, inline_fuse)}
LLVM_KERNELS = ("compute_at_stencil", "vectorize_partition", "parallel")


def _compare(path, text):
    if os.environ.get("TECOMP_UPDATE_GOLDEN"):
        path.write_text(text)
    assert path.exists(), f"{path.name} missing; run with TECOMP_UPDATE_GOLDEN=1"
    assert text == path.read_text(), (f"{path.name} changed; check the diff and rerun with "
                                      "TECOMP_UPDATE_GOLDEN=1")


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_lowered_matches_golden(name):
    s, args = SCHEDULES[name]()
    _compare(HERE / f"{name}.txt", str(te.lower(s, args, name=name)) + "\n")


def _machine_neutral(ll):
    """The IR without what depends on the compiling machine (triple, data layout,
    CPU name and features)."""
    ll = re.sub(r'^target (triple|datalayout) = .*\n', "", ll, flags=re.M)
    return re.sub(r'"target-(cpu|features)"="[^"]*"', '"target-\\1"="..."', ll)


@pytest.mark.parametrize("name", LLVM_KERNELS)
def test_unoptimized_llvm_ir_matches_golden(name):
    s, args = SCHEDULES[name]()
    ll = te.build(s, args, target="llvm", name=name).get_source("ll-unopt")
    _compare(HERE / f"{name}.ll", _machine_neutral(ll))

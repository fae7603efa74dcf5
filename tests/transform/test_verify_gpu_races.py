"""verify_gpu_races: stores that threads race on, shared reads without a
barrier and barriers not every thread reaches are refused, naming the buffer,
the store and the thread axis."""

import pytest

import tecomp as te
from tecomp.errors import LoweringError
from tecomp.ir import Buffer, PrimFunc
from tecomp.ir import expr as E
from tecomp.ir import stmt as S
from tecomp.ir.expr import IterVar, IterVarType, Range, Var
from tecomp.transform.insert_barriers import barrier
from tecomp.transform.verify_gpu_races import verify_gpu_races

A = Buffer("A", "float32", (E.const_index(64),))
B = Buffer("B", "float32", (E.const_index(64),))
T = Buffer("T", "float32", (E.const_index(64),), "shared")


def kernel(body, threads=64):
    tx = IterVar(Range(E.const_index(0), E.const_index(threads)), Var("threadIdx.x"),
                 IterVarType.THREAD_INDEX, "threadIdx.x")
    stmt = S.AttrStmt(tx, "thread_extent", E.const_index(threads), body(tx.var))
    return PrimFunc("k", (A, B), S.Allocate(T, E.const_index(64), stmt))


def test_each_thread_its_own_element_passes():
    verify_gpu_races(kernel(lambda tx: S.Store(B, E.Load("float32", A, tx), tx)))


def test_store_whose_address_misses_the_thread_index():
    f = kernel(lambda tx: S.Store(B, E.Load("float32", B, E.const_index(0))
                                  + E.Load("float32", A, tx), E.const_index(0)))
    with pytest.raises(LoweringError, match=r"data race on 'B'.*B\[0\].*threadIdx.x"):
        verify_gpu_races(f)


def test_a_predicate_pinning_the_thread_allows_it():
    f = kernel(lambda tx: S.IfThenElse(E.EQ(tx, E.const_index(0)),
                                       S.Store(B, E.Load("float32", A, tx), E.const_index(0))))
    verify_gpu_races(f)


def test_every_thread_storing_the_same_value_is_allowed():
    f = kernel(lambda tx: S.Store(B, E.Load("float32", A, E.const_index(3)), E.const_index(0)))
    verify_gpu_races(f)


def test_shared_read_of_another_threads_write_needs_a_barrier():
    def body(tx):
        return S.seq(S.Store(T, E.Load("float32", A, tx), tx),
                     S.Store(B, E.Load("float32", T, 63 - tx), tx))
    with pytest.raises(LoweringError, match=r"'T\[.*reads shared memory that other threads "
                                            r"wrote .* no barrier"):
        verify_gpu_races(kernel(body))

    def synced(tx):
        return S.seq(S.Store(T, E.Load("float32", A, tx), tx), barrier(),
                     S.Store(B, E.Load("float32", T, 63 - tx), tx))
    verify_gpu_races(kernel(synced))


def test_reading_back_ones_own_shared_element_needs_no_barrier():
    def body(tx):
        return S.seq(S.Store(T, E.Load("float32", A, tx), tx),
                     S.Store(B, E.Load("float32", T, tx), tx))
    verify_gpu_races(kernel(body))


def test_barrier_under_a_thread_dependent_condition():
    def body(tx):
        return S.IfThenElse(E.LT(tx, E.const_index(32)),
                            S.seq(S.Store(T, E.Load("float32", A, tx), tx), barrier()))
    with pytest.raises(LoweringError, match=r"barrier lies under the condition.*threadIdx.x"):
        verify_gpu_races(kernel(body))


def test_reduction_into_shared_memory_by_every_thread_is_refused():
    """A reduction computed in shared memory inside a threadIdx loop: every
    thread accumulates into the same elements."""
    A_ = te.placeholder((64, 16), name="A")
    k = te.reduce_axis((0, 16), name="k")
    C = te.compute((64,), lambda i: te.sum(A_[i, k], axis=k), name="C")
    D = te.compute((64,), lambda i: C[i] * 2.0, name="D")
    s = te.create_schedule(D.op)
    s[C].set_scope("shared")
    bx, tx = s[D].split(D.op.axis[0], factor=32)
    s[D].bind(bx, te.thread_axis("blockIdx.x"))
    s[D].bind(tx, te.thread_axis("threadIdx.x"))
    s[C].compute_at(s[D], tx)
    for target in ("opencl", "cuda"):
        with pytest.raises(LoweringError, match=r"data race on 'C'.*threadIdx.x"):
            te.build(s, [A_, D], target=target)

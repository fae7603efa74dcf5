"""``Stage.prefetch`` (TVM's): the region iteration ``var + offset`` reads, cut to
the tensor's storage (transform/inject_prefetch.py), one prefetch per cache line
of the target (transform/lower_prefetch.py), ``llvm.prefetch`` in the LLVM IR,
nothing on GPUs; results unchanged against numpy; its refusals."""

import re

import numpy as np
import pytest

import tecomp as te
from codegen.llvm.graph_digest import graph_digest
from tecomp.arith import simplify
from tecomp.errors import LoweringError, ScheduleError
from tecomp.ir import expr as E
from tecomp.ir import stmt as S
from tecomp.ir.functor import collect, substitute
from tecomp.ir import PrimFunc
from tecomp.lower import lower_for_target
from tecomp.schedule.bound import infer_bound
from tecomp.schedule.graph import ScheduleGraph
from tecomp.schedule.schedule_ops import schedule_ops
from tecomp.schedule.loop_nest import loop_nest_text
from tecomp.transform.inject_prefetch import PREFETCH_SPAN, inject_prefetch
from tecomp.transform.lower_prefetch import PREFETCH

AVX2 = "llvm -mcpu=znver3"


def _calls(node, op):
    return collect(node, lambda n: isinstance(n, E.Call) and n.op == op)


def _at(expr, values):
    """``expr`` with loop variables (by name) set to ints, as an int."""
    found = {v: E.const_index(values[v.name]) for v in
             collect(expr, lambda n: isinstance(n, E.Var)) if v.name in values}
    result = simplify(substitute(expr, found))
    assert isinstance(result, E.IntImm), result
    return result.value


def _gemm(M=32, N=64, K=16, MR=8, NR=32):
    """C = A @ B with loops io, jo, k, ii (unrolled), ji (vectorized)."""
    A, B = te.placeholder((M, K), name="A"), te.placeholder((K, N), name="B")
    k = te.reduce_axis((0, K), name="k")
    C = te.compute((M, N), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    s = te.create_schedule(C.op)
    io, ii = s[C].split(C.op.axis[0], factor=MR)
    jo, ji = s[C].split(C.op.axis[1], factor=NR)
    s[C].reorder(io, jo, k, ii, ji)
    s[C].unroll(ii)
    s[C].vectorize(ji)
    return s, (A, B, C), (io, jo, k, ii, ji)


def _elementwise(n=64, factor=16):
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] * 2, name="B")
    s = te.create_schedule(B.op)
    outer, inner = s[B].split(B.op.axis[0], factor=factor)
    return s, (A, B), (outer, inner)


# ------------------------------------------------------------ the region


def _injected(s, tensors):
    """The program of schedule ``s`` after schedule_ops and inject_prefetch (before
    storage flattening: reads are still TensorReads with logical indices)."""
    graph = ScheduleGraph(s)
    body = schedule_ops(graph, infer_bound(graph), list(tensors))
    return inject_prefetch(PrimFunc("f", (), body)).body


def _span(body, name):
    """(indices of the first element, elements, write) of the prefetch of ``name``."""
    (span,) = [c for c in _calls(body, PREFETCH_SPAN)
               if c.args[0].args[0].tensor.name == name]
    return span.args[0].args[0].indices, span.args[1], span.args[2].value


def _guard(body):
    (guard,) = [x for x in collect(body, lambda n: isinstance(n, S.IfThenElse))
                if _calls(x.then_case, PREFETCH_SPAN)]
    return guard.condition


def test_the_next_iterations_region_cut_to_the_buffer():
    s, (A, B), (outer, _) = _elementwise(n=60)
    s[B].prefetch(A, outer, 1)
    body = _injected(s, [A, B])
    (index,), elements, write = _span(body, "A")
    assert write == 0
    # outer = 0..3 reads A[16*outer + 0..15]; the prefetch is of outer + 1's, up to
    # A's end (60), and only where outer + 1 is an iteration of the loop
    assert [_at(index, {"i.outer": o}) for o in range(3)] == [16, 32, 48]
    assert [_at(elements, {"i.outer": o}) for o in range(3)] == [16, 16, 12]
    assert [_at(_guard(body), {"i.outer": o}) for o in range(4)] == [1, 1, 1, 0]


def test_a_region_before_the_buffer_is_cut_too():
    A = te.placeholder((64,), name="A")
    B = te.compute((64,), lambda i: te.if_then_else(i >= 3, A[i - 3], 0.0), name="B")
    s = te.create_schedule(B.op)
    outer, _ = s[B].split(B.op.axis[0], factor=8)
    s[B].prefetch(A, outer, 0)
    body = _injected(s, [A, B])
    (index,), elements, _ = _span(body, "A")
    assert (_at(index, {"i.outer": 0}), _at(elements, {"i.outer": 0})) == (0, 5)
    assert (_at(index, {"i.outer": 2}), _at(elements, {"i.outer": 2})) == (13, 8)
    assert not [x for x in collect(body, lambda n: isinstance(n, S.IfThenElse))
                if _calls(x.then_case, PREFETCH_SPAN)]      # offset 0: always there


def test_a_tile_of_rows_and_the_write_flag_of_a_reductions_own_output():
    s, (A, B, C), (io, jo, k, ii, ji) = _gemm()
    s[C].prefetch(C, jo, 1)
    body = _injected(s, [A, B, C])
    (row, col), elements, write = _span(body, "C")
    rows = [x for x in collect(body, lambda n: isinstance(n, S.For))
            if x.loop_var.name == "prefetch.C.0"]
    assert len(rows) == 1 and _at(rows[0].extent, {"i.outer": 0, "j.outer": 0}) == 8
    # the tile (io, jo + 1): rows io*8 + r, columns (jo + 1)*32 ..
    values = {"i.outer": 1, "j.outer": 0, "prefetch.C.0": 2}
    assert (_at(row, values), _at(col, values), _at(elements, values)) == (10, 32, 32)
    assert [_at(_guard(body), {"j.outer": j}) for j in range(2)] == [1, 0]
    assert write == 1          # C is read and written: fetched for writing


def test_an_input_read_at_each_k_and_several_prefetches():
    s, (A, B, C), (io, jo, k, ii, ji) = _gemm()
    s[C].prefetch(A, k, 4)
    s[C].prefetch(B, k, 2)
    body = _injected(s, [A, B, C])
    (b_row, b_col), b_elements, _ = _span(body, "B")
    assert (_at(b_row, {"k": 3, "prefetch.B.0": 0}), _at(b_col, {"j.outer": 1}), _at(b_elements, {"j.outer": 1})) \
        == (5, 32, 32)                                   # a row of B's panel, 2 ahead
    (a_row, a_col), a_elements, write = _span(body, "A")
    assert (_at(a_col, {"k": 3}), _at(a_elements, {"k": 3}), write) == (7, 1, 0)


# ------------------------------------------------------------ cache lines


@pytest.mark.parametrize("target, lines", [(AVX2, 2), ("llvm -mtriple=aarch64-linux-gnu "
                                                       "-mcpu=apple-m1", 1)])
def test_one_prefetch_per_cache_line_of_the_target(target, lines):
    s, (A, B, C), (io, jo, k, ii, ji) = _gemm(N=32)
    s[C].prefetch(C, io, 1)
    func = te.lower(s, [A, B, C])
    (lowered,) = lower_for_target([func], target).funcs
    assert not _calls(lowered.body, PREFETCH_SPAN)
    calls = _calls(lowered.body, PREFETCH)
    assert len(calls) == lines                # 32 floats: two 64-byte lines, one of 128
    offsets = sorted(_at(collect(c.args[0], lambda n: isinstance(n, E.Load))[0].index,
                         {"i.outer": 0, "prefetch.C.0": 0}) for c in calls)
    assert offsets == [256 + 16 * m for m in range(lines)]
    assert [a.value for a in calls[0].args[1:]] == [1, 3, 1]   # write, locality 3, data


def test_a_symbolic_row_is_a_loop_over_lines():
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] + 1, name="B")
    s = te.create_schedule(B.op)
    outer, _ = s[B].split(B.op.axis[0], nparts=4)
    s[B].prefetch(A, outer, 1)
    (func,) = lower_for_target([te.lower(s, [A, B, n])], AVX2).funcs
    loops = [x for x in collect(func.body, lambda n: isinstance(n, S.For))
             if x.loop_var.name == "prefetch.line"]
    assert len(loops) == 1 and len(_calls(loops[0].body, PREFETCH)) == 1


def test_gpu_code_has_no_prefetch():
    s, (A, B), (outer, inner) = _elementwise()
    s[B].bind(outer, te.thread_axis("blockIdx.x"))
    s[B].bind(inner, te.thread_axis("threadIdx.x"))
    s[B].prefetch(A, outer, 1)
    program = te.lower(s, [A, B], target="cuda")
    for kernel in program.kernels:
        assert not _calls(kernel.func.body, PREFETCH_SPAN) and not _calls(kernel.func.body,
                                                                          PREFETCH)
        assert not collect(kernel.func.body, lambda n: isinstance(n, S.IfThenElse))
    assert "prefetch" not in te.build(s, [A, B], target="opencl").get_source()


# ------------------------------------------------------------ code and results


def test_llvm_ir_has_the_prefetches():
    s, (A, B, C), (io, jo, k, ii, ji) = _gemm()
    s[C].prefetch(C, io, 1)
    f = te.build(s, [A, B, C])
    for fmt in ("ll-unopt", "ll"):
        assert re.search(r'call void @"?llvm\.prefetch\.p0"?\(ptr [^,]+, i32 1, i32 3, i32 1\)',
                         f.get_source(fmt))


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("target", ["llvm", AVX2])
def test_results_unchanged_with_prefetches_anywhere(rng, debug, target):
    """Prefetches at every loop, with offsets past the end (bounds-checked under
    debug: every prefetched address lies in its buffer)."""
    s, (A, B, C), (io, jo, k, ii, ji) = _gemm(M=24, N=96, K=20)
    s[C].parallel(io)
    s[C].prefetch(C, io, 1)
    s[C].prefetch(C, jo, 2)
    s[C].prefetch(A, k, 7)
    s[C].prefetch(B, k, 1)
    s[C].prefetch(A, ii, 1)
    f = te.build(s, [A, B, C], target=target, debug=debug)
    a, b = rng.random((24, 20), dtype="float32"), rng.random((20, 96), dtype="float32")
    c = np.full((24, 96), np.nan, "float32")
    f(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-5)


def test_a_symbolic_size_and_a_prefetch_of_a_computed_tensor(rng):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] * 3, name="B")
    C = te.compute((n,), lambda i: B[i] + B[n - 1 - i], name="C")
    s = te.create_schedule(C.op)
    outer, inner = s[C].split(C.op.axis[0], factor=8)
    s[C].prefetch(B, outer, 1)        # both ends of B: one region spanning them
    s[B].prefetch(A, s[B].op.axis[0], 3)
    f = te.build(s, [A, C], debug=True)
    for size in (1, 7, 8, 29):
        a = rng.random(size, dtype="float32")
        c = np.empty(size, "float32")
        f(a, c)
        np.testing.assert_allclose(c, 3 * a + 3 * a[::-1], rtol=1e-6)


def test_the_compile_cache_tells_a_prefetch_apart():
    def digest(prefetch):
        s, (A, B), (outer, _) = _elementwise()
        if prefetch:
            s[B].prefetch(A, outer, prefetch)
        return graph_digest((s, [A, B]))[0]
    assert len({digest(0), digest(1), digest(2)}) == 3


def test_gotoblas_gemm_prefetches_the_next_tile_of_c(rng):
    s, args = te.topi.generic.gotoblas_gemm(64, 64, 64, target=AVX2, blocks=(16, 32),
                                             k_unroll=4)
    func = te.lower(s, args)
    (span,) = _calls(func.body, PREFETCH_SPAN)
    assert span.args[2].value == 1
    f = te.build(s, args, target=AVX2)
    a, b = rng.random((64, 64), dtype="float32"), rng.random((64, 64), dtype="float32")
    c = np.full((64, 64), np.nan, "float32")
    f(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-5)


# ------------------------------------------------------------ refusals


def test_a_tensor_the_stage_does_not_read_is_refused():
    s, (A, B), (outer, _) = _elementwise()
    X = te.placeholder((64,), name="X")
    with pytest.raises(ScheduleError, match=r"prefetch\(B\).*does not read tensor 'X'.*reads: A"):
        s[B].prefetch(X, outer, 1)
    with pytest.raises(ScheduleError, match=r"prefetch\(B\).*does not read tensor 'B'"):
        s[B].prefetch(B, outer, 1)      # not a reduction: B's own output is not read


def test_an_axis_of_another_stage_and_a_bad_offset_are_refused():
    s, (A, B, C), (io, jo, k, ii, ji) = _gemm()
    s2, (A2, B2), (outer, _) = _elementwise()
    with pytest.raises(ScheduleError, match=r"prefetch\(C\).*'i.outer' is not an axis of stage 'C'"):
        s[C].prefetch(A, outer, 1)
    with pytest.raises(ScheduleError, match=r"prefetch\(C\).*offset must be an integer.*'k'"):
        s[C].prefetch(A, k, 1.5)
    with pytest.raises(ScheduleError, match=r"prefetch\(C\).*first argument must be a tensor"):
        s[C].prefetch("A", k, 1)


def test_a_vectorized_loop_is_refused():
    s, (A, B, C), (io, jo, k, ii, ji) = _gemm()
    s[C].prefetch(B, ji, 1)
    with pytest.raises(LoweringError, match=r"prefetch\(B\) at loop 'j.inner'.*vectorized"):
        te.lower(s, [A, B, C])


def test_a_tensor_computed_inside_the_loop_is_refused():
    A = te.placeholder((64,), name="A")
    B = te.compute((64,), lambda i: A[i] * 2, name="B")
    C = te.compute((64,), lambda i: B[i] + 1, name="C")
    s = te.create_schedule(C.op)
    outer, inner = s[C].split(C.op.axis[0], factor=16)
    s[B].compute_at(s[C], outer)
    s[C].prefetch(B, outer, 1)
    with pytest.raises(LoweringError, match=r"prefetch\(B\) at loop 'i.outer'.*'B' is computed "
                                            r"inside the loop"):
        te.lower(s, [A, C])


def test_reads_redirected_elsewhere_are_refused():
    A = te.placeholder((64,), name="A")
    B = te.compute((64,), lambda i: A[i] * 2, name="B")
    C = te.compute((64,), lambda i: B[i] + 1, name="C")
    s = te.create_schedule(C.op)
    outer, _ = s[C].split(C.op.axis[0], factor=16)
    s[C].prefetch(B, outer, 1)
    s[B].compute_inline()
    with pytest.raises(LoweringError, match=r"prefetch\(B\) at loop 'i.outer'.*does not read 'B'"):
        te.lower(s, [A, C])



def test_the_loop_nest_shows_a_prefetch():
    s, (A, B, C), (io, jo, k, ii, ji) = _gemm()
    s[C].prefetch(C, jo, 1)
    text = loop_nest_text(s)
    assert "for (j.outer, 0, 2)\n      prefetch C    // what iteration j.outer + 1 reads" in text


def test_a_region_that_cannot_be_bounded_is_skipped_with_a_warning_at_the_users_line(
        rng, monkeypatch):
    """An index read from memory (A[idx[i]]) has no bounds: nothing is prefetched,
    the result is unchanged, and the warning points at the caller's line."""
    monkeypatch.setenv("TECOMP_CACHE", "0")     # lowering runs, so the warning is given
    A = te.placeholder((64,), name="A")
    idx = te.placeholder((64,), dtype="int32", name="idx")
    B = te.compute((64,), lambda i: A[idx[i]] + 1, name="B")
    s = te.create_schedule(B.op)
    io, _ = s[B].split(B.op.axis[0], factor=4)
    s[B].prefetch(A, io, 1)
    with pytest.warns(UserWarning, match=r"prefetch\(A\) at loop 'i.outer', offset 1: the "
                                         "region read cannot be bounded") as caught:
        f = te.build(s, [A, idx, B])
    assert caught[0].filename == __file__
    a = rng.random(64).astype("float32")
    i = rng.integers(0, 64, 64).astype("int32")
    b = np.empty(64, "float32")
    f(a, i, b)
    np.testing.assert_allclose(b, a[i] + 1)

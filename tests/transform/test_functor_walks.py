"""The fast walks of tecomp.ir.functor give what the general ones give: typed
``collect`` (statements-only searches skip expressions), ``substitute_each`` (the
copies of an unrolled body) and ``StmtMutator`` (statement passes leave
expressions as they are), on the lowered GEMM tutorial kernel and on a
hand-built tree; the unrolled kernel still computes what numpy computes."""

import numpy as np
import pytest

import tecomp as te
from tecomp.errors import InternalError
from tecomp.ir import expr as E
from tecomp.ir import stmt as S
from tecomp.ir.functor import (IRMutator, StmtMutator, collect, structural_equal,
                               substitute, substitute_each)


def _gemm():
    n = 64
    A = te.placeholder((n, n), name="A")
    B = te.placeholder((n, n), name="B")
    k = te.reduce_axis((0, n), name="k")
    C = te.compute((n, n), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    s = te.create_schedule(C.op)
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], 4, 16)
    ko, ki = s[C].split(k, factor=4)
    s[C].reorder(io, jo, ko, ki, ii, ji)
    s[C].unroll(ki)
    s[C].unroll(ii)
    s[C].vectorize(ji)
    s[C].parallel(io)
    return s, [A, B, C]


@pytest.mark.parametrize("classes", [S.Store, (S.For, S.Allocate), E.Load, (E.Var, E.Load, S.Store),
                                     E.Ramp, S.SeqStmt])
def test_typed_collect_is_the_isinstance_predicate(classes):
    s, args = _gemm()
    body = te.lower(s, args, name="gemm_walks").body
    fast = collect(body, classes)
    slow = collect(body, lambda n: isinstance(n, classes))
    assert fast and len(fast) == len(slow) and all(a is b for a, b in zip(fast, slow))


def test_statement_search_below_an_expression_finds_nothing_and_non_nodes_are_refused():
    x = E.Var("x")
    assert collect(E.Add(x, E.const_index(1)), S.Store) == []
    with pytest.raises(InternalError, match="no handler for list"):
        collect([x], E.Var)


def test_substitute_each_gives_substitutes_copies():
    s, args = _gemm()
    body = te.lower(s, args, name="gemm_subst").body
    loop = collect(body, S.For)[0]
    values = [E.const_index(v) for v in (0, 3, 7)]
    copies = substitute_each(loop.body, loop.loop_var, values)
    for copy, value in zip(copies, values):
        assert structural_equal(copy, substitute(loop.body, {loop.loop_var: value}))
        assert not collect(copy, lambda n: n is loop.loop_var)
    # what does not hold the variable is shared, not copied
    other = S.Store(args[2].op.output(0), E.FloatImm("float32", 1.0), E.const_index(0))
    assert substitute_each(other, loop.loop_var, values) == [other] * 3


class _CountVars(StmtMutator):
    def __init__(self):
        self.seen = 0

    def visit_For(self, loop):
        self.seen += 1
        return self.generic_visit(loop)


class _Renamer(IRMutator):
    def visit_Var(self, var):
        return E.Var(var.name + "_")


def test_stmt_mutator_leaves_expressions_alone():
    s, args = _gemm()
    body = te.lower(s, args, name="gemm_stmt").body
    counter = _CountVars()
    assert counter.visit(body) is body
    assert counter.seen == len(collect(body, S.For))
    renamed = _Renamer().visit(body)
    assert renamed is not body
    x = E.Var("x")
    expr = E.Add(x, E.const_index(1))
    assert _CountVars().visit(expr) is expr


def test_unrolled_vectorized_gemm_matches_numpy():
    s, args = _gemm()
    f = te.build(s, args, name="gemm_unrolled")
    a = np.random.rand(64, 64).astype("float32")
    b = np.random.rand(64, 64).astype("float32")
    c = np.empty((64, 64), dtype="float32")
    f(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-4)

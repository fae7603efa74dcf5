"""vectorize_loops: turn each ``vectorized`` loop of constant extent into
explicit vector code (TVM ``tir.transform.VectorizeLoop``; Halide
``VectorizeLoops``). The loop variable becomes ``ramp(min, 1, lanes)``; a
loop-invariant value meeting a vector is broadcast; loads and stores whose index
becomes a vector turn into vector (or gather/scatter) accesses::

    vectorized (j, 0, 8) {                C[ramp(i*8, 1, 8)] =
      C[i*8 + j] = A[i*8 + j] * 2.0f  ->      A[ramp(i*8, 1, 8)] * x8(2.0f)
    }

Where the body cannot be vectorized exactly (a guard that varies across lanes,
an allocation, a store whose index is the same for every lane, a nested vector
loop), the loop runs as a serial loop instead: scalar but correct.
"""

from ..ir import Var
from ..ir import dtype as dt
from ..ir import expr as E
from ..ir import stmt as S
from ..ir.functor import IRMutator, StmtMutator

#: Widest vector built directly; wider loops stay scalar for LLVM to handle.
MAX_LANES = 64


def vectorize_loops(func):
    """``func`` (a PrimFunc) with its vectorized loops rewritten as vector code."""
    body = _LoopVectorizer().visit(func.body)
    return func if body is func.body else func.with_body(body)


class _CannotVectorize(Exception):
    pass


class _LoopVectorizer(StmtMutator):
    def visit_For(self, loop):
        loop = self.generic_visit(loop)
        if loop.kind != S.ForKind.VECTORIZED:
            return loop
        serial = S.For(loop.loop_var, loop.min, loop.extent, S.ForKind.SERIAL, loop.body)
        if not isinstance(loop.extent, E.IntImm) or not 1 < loop.extent.value <= MAX_LANES:
            return serial
        lanes = loop.extent.value
        ramp = E.Ramp(loop.min, E.const_index(1), lanes)
        try:
            return _Vectorizer(loop.loop_var, ramp, lanes).visit(loop.body)
        except _CannotVectorize:
            return serial


def _broadcast(value, lanes):
    if dt.lanes_of(value.dtype) == lanes:
        return value
    return E.Broadcast(value, lanes)


class _Vectorizer(IRMutator):
    """Rewrites one loop body with ``var`` replaced by a ramp of ``lanes`` lanes."""

    def __init__(self, var, ramp, lanes):
        self.var_map = {var: ramp}
        self.lanes = lanes

    def is_vector(self, e):
        return not isinstance(e, E.StringImm) and dt.lanes_of(e.dtype) > 1

    # ------------------------------------------------------------ expressions
    def visit_Var(self, var):
        return self.var_map.get(var, var)

    def _binary(self, node):
        a, b = self.visit(node.a), self.visit(node.b)
        if a is node.a and b is node.b:
            return node
        if self.is_vector(a) or self.is_vector(b):
            a, b = _broadcast(a, self.lanes), _broadcast(b, self.lanes)
            if isinstance(a, E.Ramp) and isinstance(b, E.Broadcast) and type(node) in (E.Add, E.Sub):
                return E.Ramp(type(node)(a.base, b.value), a.stride, self.lanes)
            if isinstance(a, E.Broadcast) and isinstance(b, E.Ramp) and type(node) is E.Add:
                return E.Ramp(E.Add(a.value, b.base), b.stride, self.lanes)
            if isinstance(a, E.Ramp) and isinstance(b, E.Broadcast) and type(node) is E.Mul:
                return E.Ramp(E.Mul(a.base, b.value), E.Mul(a.stride, b.value), self.lanes)
        return type(node)(a, b)

    visit_Add = visit_Sub = visit_Mul = visit_Div = visit_Mod = _binary
    visit_FloorDiv = visit_FloorMod = visit_Min = visit_Max = _binary
    visit_EQ = visit_NE = visit_LT = visit_LE = visit_GT = visit_GE = _binary
    visit_And = visit_Or = _binary

    def visit_Not(self, node):
        a = self.visit(node.a)
        return node if a is node.a else E.Not(a)

    def visit_Cast(self, node):
        value = self.visit(node.value)
        if value is node.value:
            return node
        return E.Cast(dt.with_lanes(node.dtype, dt.lanes_of(value.dtype)), value)

    def visit_Select(self, node):
        c, t, f = self.visit(node.condition), self.visit(node.true_value), self.visit(node.false_value)
        if c is node.condition and t is node.true_value and f is node.false_value:
            return node
        if self.is_vector(c) or self.is_vector(t) or self.is_vector(f):
            t, f = _broadcast(t, self.lanes), _broadcast(f, self.lanes)
        return E.Select(c, t, f)

    def visit_Call(self, node):
        args = tuple(self.visit(a) for a in node.args)
        if all(x is y for x, y in zip(args, node.args)):
            return node
        if not any(self.is_vector(a) for a in args):
            return E.Call(node.dtype, node.op, args)
        if node.op == "if_then_else":
            cond, t, f = args
            args = (cond, _broadcast(t, self.lanes), _broadcast(f, self.lanes))
        else:
            # the C function name of call_extern stays a string
            args = tuple(a if isinstance(a, E.StringImm) else _broadcast(a, self.lanes)
                         for a in args)
        return E.Call(dt.with_lanes(node.dtype, self.lanes), node.op, args)

    def visit_Load(self, node):
        index = self.visit(node.index)
        if index is node.index:
            return node
        if node.predicate is not None or not self.is_vector(index):
            if node.predicate is not None:
                raise _CannotVectorize()
            return E.Load(node.dtype, node.buffer, index)
        return E.Load(dt.with_lanes(node.dtype, self.lanes), node.buffer, index)

    def _let(self, node, make):
        """A let (expression or statement): a vector value gets a vector variable."""
        value = self.visit(node.value)
        var = node.var
        if self.is_vector(value):
            var = self.var_map[node.var] = Var(node.var.name, value.dtype)
        body = self.visit(node.body)
        if var is node.var and value is node.value and body is node.body:
            return node
        return make(var, value, body)

    def visit_Let(self, node):
        return self._let(node, E.Let)

    def visit_Ramp(self, node):
        raise _CannotVectorize()

    visit_Broadcast = visit_Ramp

    # ------------------------------------------------------------ statements
    def visit_Store(self, node):
        value, index = self.visit(node.value), self.visit(node.index)
        if not self.is_vector(index):
            # Every lane would write the same element: a reduction into one
            # place (`C[i] = C[i] + 1` over a vectorized reduce axis the body
            # does not use runs `lanes` times, not once). Scalar code keeps its
            # sequential semantics.
            raise _CannotVectorize()
        if node.predicate is not None:
            raise _CannotVectorize()
        return S.Store(node.buffer, _broadcast(value, self.lanes), index)

    def visit_LetStmt(self, node):
        return self._let(node, S.LetStmt)

    def visit_IfThenElse(self, node):
        cond = self.visit(node.condition)
        if self.is_vector(cond):
            raise _CannotVectorize()
        return self.generic_visit(S.IfThenElse(cond, node.then_case, node.else_case))

    def visit_For(self, loop):
        if loop.kind in (S.ForKind.VECTORIZED, S.ForKind.PARALLEL, S.ForKind.THREAD_BINDING):
            raise _CannotVectorize()
        lo, extent = self.visit(loop.min), self.visit(loop.extent)
        if self.is_vector(lo) or self.is_vector(extent):
            raise _CannotVectorize()
        body = self.visit(loop.body)
        if lo is loop.min and extent is loop.extent and body is loop.body:
            return loop
        return S.For(loop.loop_var, lo, extent, loop.kind, body, loop.thread_tag)

    def visit_Allocate(self, node):
        raise _CannotVectorize()

    def visit_AssertStmt(self, node):
        if self.is_vector(self.visit(node.condition)):
            raise _CannotVectorize()
        return self.generic_visit(node)

    def visit_Evaluate(self, node):
        raise _CannotVectorize()

"""Bounds checking: an ``AssertStmt`` before every statement that touches memory.

``bounds_check(func)`` takes a lowered (flattened) PrimFunc and returns one in
which every ``Load`` and ``Store`` is preceded by an assertion that its element
index lies in ``[0, size)`` of its buffer: the product of the declared shape for
a parameter, the ``Allocate`` extent for a temporary. ``build(..., debug=True)``
runs it last, so a schedule or compiler bug that would read or write outside a
buffer makes the call raise ``KernelAssertionError`` with a message naming the
buffer, the index expression, the buffer's size and the enclosing loops::

    B[i] = A[i - 1]
      becomes
    assert(((i - 1) >= 0) && ((i - 1) < 16), "out-of-bounds load from buffer 'A' ...")
    B[i] = A[i - 1]

Accesses are checked only where they are executed: a load in an arm of the lazy
``if_then_else`` is checked under that arm's condition, a predicated (masked)
access only for its true lanes, so padding reads stay legal. Guards and
conjunctions are built with the lazy ``if_then_else`` too, so evaluating a check
never reads memory that the checked code would not read. A vector access is
checked lane by lane (a ``Ramp`` index with no mask: its first and last lane).

The messages are static strings (the LLVM backend maps a nonzero return code to
one), so they name the loop variables and their ranges, not their values at the
failure.
"""

from ..ir import Buffer
from ..ir import dtype as dt
from ..ir import expr as E
from ..ir import stmt as S
from ..ir.functor import IRMutator, IRVisitor
from ..ir.op import mul


def bounds_check(func):
    """``func`` with an assertion of every buffer access's index before the
    statement that performs it. Returns a new PrimFunc (``func`` is unchanged)."""
    checker = AccessChecker()
    for param in func.params:
        if isinstance(param, Buffer):
            checker.sizes[param] = _product(param.shape)
    body = checker.visit(func.body)
    return func.with_body(body) if body is not func.body else func


def _product(shape):
    size, constant = None, 1
    for extent in shape:
        extent = E.const_index(extent)
        if isinstance(extent, E.IntImm):
            constant *= extent.value
        else:
            size = extent if size is None else mul(size, extent)
    if size is None:
        return E.const_index(constant)
    return size if constant == 1 else mul(size, E.const_index(constant))


def _as_index(e):
    return e if e.dtype == dt.INDEX else E.Cast(dt.INDEX, e)


_TRUE = E.IntImm("bool", 1)
_FALSE = E.IntImm("bool", 0)


def _lazy_if(cond, then_value, else_value):
    """``if_then_else`` over booleans, broadcasting scalars to the widest operand."""
    lanes = max(dt.lanes_of(x.dtype) for x in (cond, then_value, else_value))
    if lanes > 1:
        cond, then_value, else_value = (
            x if dt.lanes_of(x.dtype) == lanes else E.Broadcast(x, lanes)
            for x in (cond, then_value, else_value))
    return E.Call(dt.with_lanes("bool", lanes), "if_then_else", (cond, then_value, else_value))


def _lazy_and(a, b):
    """``a && b`` evaluating ``b`` only where ``a`` holds."""
    if a is None or a is _TRUE:
        return b
    if b is None or b is _TRUE:
        return a
    return _lazy_if(a, b, _FALSE)


def implies(guard, cond):
    """``!guard || cond``, evaluating ``cond`` only where ``guard`` holds."""
    if guard is None or guard is _TRUE:
        return cond
    return _lazy_if(guard, cond, _TRUE)


class _Access:
    """One memory access found in an expression: where it is evaluated (under
    ``guard``, inside ``lets``), and what it touches."""

    __slots__ = ("kind", "buffer", "index", "predicate", "guard", "lets")

    def __init__(self, kind, buffer, index, predicate, guard, lets):
        self.kind, self.buffer, self.index = kind, buffer, index
        self.predicate, self.guard, self.lets = predicate, guard, lets


class _Collector(IRVisitor):
    """The accesses an expression performs, in evaluation order (an index's own
    loads before the load that uses it)."""

    def __init__(self):
        self.found = []
        self.guard = None
        self.lets = ()

    def visit_Load(self, op):
        self.visit(op.index)
        if op.predicate is not None:
            self.visit(op.predicate)
        self.found.append(_Access("load from", op.buffer, op.index, op.predicate,
                                  self.guard, self.lets))

    def visit_TensorRead(self, op):
        # before storage flattening (tecomp.transform.check_domains): the tensor and
        # its logical indices
        for index in op.indices:
            self.visit(index)
        self.found.append(_Access("read of", op.tensor, op.indices, None,
                                  self.guard, self.lets))

    def visit_Let(self, op):
        self.visit(op.value)
        saved = self.lets
        self.lets = saved + ((op.var, op.value),)
        self.visit(op.body)
        self.lets = saved

    def visit_Call(self, op):
        if op.op != "if_then_else" or len(op.args) != 3:
            return self.generic_visit(op)
        cond, then_value, else_value = op.args
        self.visit(cond)
        saved = self.guard
        self.guard = _lazy_and(saved, lets_around(self.lets, cond))
        self.visit(then_value)
        self.guard = _lazy_and(saved, lets_around(self.lets, E.Not(cond)))
        self.visit(else_value)
        self.guard = saved


def lets_around(lets, expr):
    for var, value in reversed(lets):
        expr = E.Let(var, value, expr)
    return expr


class _Lane(IRMutator):
    """The scalar expression computing lane ``lane`` of a vector expression."""

    def __init__(self, lane, vector_lets):
        self.lane = lane
        self.vector_lets = vector_lets   # vector Var bound by a LetStmt -> its value
        self.renamed = {}

    def visit(self, node):
        if isinstance(node, E.PrimExpr) and dt.lanes_of(node.dtype) == 1:
            return node
        return super().visit(node)

    def visit_Ramp(self, op):
        return E.Add(self.visit(op.base), E.Mul(self.visit(op.stride),
                                                E.IntImm(op.stride.dtype, self.lane)))

    def visit_Broadcast(self, op):
        return self.visit(op.value)

    def visit_Var(self, op):
        if op in self.renamed:
            return self.renamed[op]
        if op in self.vector_lets:
            return self.visit(self.vector_lets[op])
        raise _Unsupported(f"vector variable '{op.name}'")

    def visit_Let(self, op):
        value = self.visit(op.value)
        if dt.lanes_of(op.var.dtype) == 1:
            # the same in every lane; scalar subexpressions of the body, which this
            # mutator returns unchanged, keep referring to it
            return E.Let(op.var, value, self.visit(op.body))
        scalar = E.Var(f"{op.var.name}.lane{self.lane}", dt.element_of(op.var.dtype))
        self.renamed[op.var] = scalar
        return E.Let(scalar, value, self.visit(op.body))

    def visit_Load(self, op):
        pred = None if op.predicate is None else self.visit(op.predicate)
        return E.Load(dt.element_of(op.dtype), op.buffer, self.visit(op.index), pred)

    def visit_Cast(self, op):
        return E.Cast(dt.element_of(op.dtype), self.visit(op.value))

    def visit_Call(self, op):
        return E.Call(dt.element_of(op.dtype), op.op, tuple(self.visit(a) for a in op.args))


class _Unsupported(Exception):
    pass


class AccessChecker(IRMutator):
    """Puts the assertions of :meth:`_checks` before every statement, for each
    access it performs (guarded as the module docstring says);
    :mod:`tecomp.transform.check_domains` overrides :meth:`_checks` to check
    reads of tensors before storage flattening."""

    def __init__(self):
        self.sizes = {}          # Buffer -> element count (int64 expression)
        self.loops = []          # enclosing For loops, outermost first
        self.vector_lets = {}
        self.unchecked = []      # accesses that could not be checked, for tests

    # ------------------------------------------------------------ statements

    def _guarded(self, stmt, exprs, store=None):
        """``stmt`` preceded by assertions for the accesses in ``exprs`` (and the
        store ``store``: (buffer, index, predicate))."""
        collector = _Collector()
        for e in exprs:
            if e is not None:
                collector.visit(e)
        accesses = collector.found
        if store is not None:
            accesses.append(_Access("store to", *store, None, ()))
        checks, seen = [], set()
        for access in accesses:
            for condition, message in self._checks(access):
                key = (message, str(condition))
                if key not in seen:
                    seen.add(key)
                    checks.append((condition, message))
        for condition, message in reversed(checks):
            stmt = S.AssertStmt(condition, message, stmt)
        return stmt

    def visit_Store(self, op):
        return self._guarded(op, (op.value, op.index, op.predicate),
                             store=(op.buffer, op.index, op.predicate))

    def visit_Provide(self, op):
        return self._guarded(op, (op.value,) + tuple(op.indices))

    def visit_Evaluate(self, op):
        return self._guarded(op, (op.value,))

    def visit_LetStmt(self, op):
        if dt.lanes_of(op.var.dtype) > 1:
            self.vector_lets[op.var] = op.value
        body = self.visit(op.body)
        new = op if body is op.body else S.LetStmt(op.var, op.value, body)
        return self._guarded(new, (op.value,))

    def visit_IfThenElse(self, op):
        new = self.generic_visit(op)
        return self._guarded(new, (op.condition,))

    def visit_AssertStmt(self, op):
        new = self.generic_visit(op)
        return self._guarded(new, (op.condition,))

    def visit_AttrStmt(self, op):
        new = self.generic_visit(op)
        value = op.value if isinstance(op.value, E.PrimExpr) else None
        return self._guarded(new, (value,))

    def visit_Allocate(self, op):
        self.sizes[op.buffer] = _as_index(op.extent)
        try:
            new = self.generic_visit(op)
        finally:
            del self.sizes[op.buffer]
        return self._guarded(new, (op.extent,))

    def visit_For(self, op):
        self.loops.append(op)
        try:
            new = self.generic_visit(op)
        finally:
            self.loops.pop()
        return self._guarded(new, (op.min, op.extent))

    # ------------------------------------------------------------ conditions

    def _checks(self, access):
        """``[(condition, message)]`` asserting ``access`` (an :class:`_Access`)."""
        size = self.sizes.get(access.buffer)
        if size is None or access.kind == "read of":   # not ours to judge (e.g. a buffer
            # of another scope)
            self.unchecked.append(access)
            return []
        lanes = dt.lanes_of(access.index.dtype)
        message = self._message(access, size)
        if lanes == 1:
            cond = in_range(access.index, size)
            if access.predicate is not None:
                cond = implies(access.predicate, cond)
            return [(self._where_executed(access, cond), message)]
        scalar_guard = access.guard is None or dt.lanes_of(access.guard.dtype) == 1
        if isinstance(access.index, E.Ramp) and access.predicate is None and scalar_guard:
            lane_ids = (0, lanes - 1)       # a ramp is monotone: its ends bound it
        else:
            lane_ids = range(lanes)
        checks = []
        try:
            for k in lane_ids:
                lane = _Lane(k, self.vector_lets)
                body = lane.visit(lets_around(access.lets, _in_range_vector(access, size)))
                cond = body
                if access.predicate is not None:
                    cond = implies(_Lane(k, self.vector_lets).visit(
                        lets_around(access.lets, access.predicate)), cond)
                if access.guard is not None:
                    cond = implies(_Lane(k, self.vector_lets).visit(access.guard), cond)
                checks.append((cond, f"{message} (lane {k})"))
        except _Unsupported:
            self.unchecked.append(access)
            return []
        return checks

    @staticmethod
    def _where_executed(access, cond):
        """``cond`` of a scalar ``access``, required only where the access runs: under
        its guard, inside its lets."""
        return implies(access.guard, lets_around(access.lets, cond))

    def _loops_text(self):
        """The enclosing loops and their ranges, for a message."""
        return ", ".join(loop_text(loop) for loop in self.loops) or "none"

    def _message(self, access, size):
        buf = access.buffer
        return (f"out-of-bounds {access.kind} buffer '{buf.name}': index `{access.index}` "
                f"is outside [0, {size}), the buffer's elements; enclosing loops: "
                f"{self._loops_text()}")


def loop_text(loop):
    name = loop.loop_var.name
    if E.is_const_int(loop.min, 0):
        return f"{name} in [0, {loop.extent})"
    return f"{name} in [{loop.min}, {loop.min} + {loop.extent})"


def in_range(index, size):
    index = _as_index(index)
    zero = E.IntImm(dt.INDEX, 0)
    return E.And(E.GE(index, zero), E.LT(index, size))


def _in_range_vector(access, size):
    """The in-range condition of a vector access as a vector expression
    (:class:`_Lane` then takes one lane of it)."""
    index = access.index
    lanes = dt.lanes_of(index.dtype)
    if dt.element_of(index.dtype) != dt.INDEX:
        index = E.Cast(dt.with_lanes(dt.INDEX, lanes), index)
    zero = E.Broadcast(E.IntImm(dt.INDEX, 0), lanes)
    return E.And(E.GE(index, zero), E.LT(index, E.Broadcast(size, lanes)))

"""inject_virtual_thread: ``vthread`` loops interleaved into the statements below them.

Takes a lowered PrimFunc whose loops bound to ``vthread`` are still
``For(kind="thread_binding", thread_tag="vthread...")`` (before
:func:`~tecomp.transform.lower_thread_binding.lower_thread_binding`) and returns it
with each such loop gone: every physical thread runs its ``n`` virtual threads
interleaved, statement by statement, instead of one after another. As TVM's
``InjectVirtualThread``, the virtual-thread loop is pushed down through the loops,
sequences and conditions that do not depend on it, to the innermost statements
that do, which are repeated once per virtual thread (a serial loop when the
statement holds loops itself, or when ``n >= 16``); a buffer allocated inside
whose contents depend on the virtual thread gets one copy per virtual thread
(its size times ``n``, indexed by ``vt * size``), so each virtual thread has
registers of its own::

    vthread (vx, 0, 2) {                        allocate C.local[float32 * 8] in local
      allocate C.local[float32 * 4] in local    for (k, 0, 64) {
      for (k, 0, 64) {                      ->    C.local[0*4 + j] += A[k] * B[k, 0*16 + j]
        C.local[j] += A[k] * B[k, vx*16 + j]      C.local[1*4 + j] += A[k] * B[k, 1*16 + j]
      } ...                                     } ...

Statements that do not depend on the virtual thread (a shared tile whose region
covers every virtual thread, see :mod:`tecomp.schedule.bound`) run once. Which
statements depend on it is a fixed point: a store depends on the virtual thread
when its index, value, predicate or an enclosing condition, loop bound or let
uses it, or reads a buffer such a store writes, or reads any buffer written in
the loop (it may accumulate), or writes a buffer such a store writes.

Interleaving is only done where it provably changes no result: every buffer
allocated outside the loop and written inside must be written at indices that
use the virtual thread (a data axis of the stage, so each virtual thread writes
its own elements) and read only by the update of the same element. Otherwise
(e.g. ``vthread`` bound to a split reduce axis) the loop runs its virtual threads
one after another, as a serial loop. A ``vthread`` loop whose extent is not a
constant is a :class:`~tecomp.errors.LoweringError` naming the loop.
"""

from ..errors import LoweringError
from ..ir import Buffer, Var
from ..ir import expr as E
from ..ir import stmt as S
from ..ir.functor import IRMutator, IRVisitor, collect, free_vars, structural_equal, substitute

#: from this many virtual threads on, a repeated statement becomes a serial loop
UNROLL_LIMIT = 16


def inject_virtual_thread(func):
    """``func`` with its ``vthread`` loops injected (the same object if it has none)."""
    body = _Injector(func.name).visit(func.body)
    return func if body is func.body else func.with_body(body)


def is_vthread_loop(node):
    """Whether ``node`` is a loop bound to a virtual thread."""
    return isinstance(node, S.For) and node.kind == S.ForKind.THREAD_BINDING and \
        node.thread_tag.startswith("vthread")


class _Injector(IRMutator):
    def __init__(self, name):
        self.name = name

    def visit_For(self, loop):
        body = self.visit(loop.body)            # inner virtual threads first
        if not is_vthread_loop(loop):
            return loop if body is loop.body else S.For(loop.loop_var, loop.min, loop.extent,
                                                        loop.kind, body, loop.thread_tag)
        if not isinstance(loop.extent, E.IntImm):
            stores = dict.fromkeys(n.buffer.name for n in collect(loop.body, S.Store))
            raise LoweringError(
                f"{self.name}: loop '{loop.loop_var.name}' writing '{', '.join(stores)}' is "
                f"bound to {loop.thread_tag} with "
                f"extent `{loop.extent}`, which is not a constant; virtual threads are laid "
                "out when compiling, so split the axis by a constant factor first")
        vt = loop.loop_var
        if not E.is_const_int(loop.min, 0):
            body = substitute(body, {vt: E.Add(vt, loop.min)})
        n = loop.extent.value
        deps = _Dependence(vt, body)
        if not deps.interleavable():
            return S.For(vt, E.const_index(0), loop.extent, S.ForKind.SERIAL, body)
        return _Interleave(vt, n, deps).inject(body)


class _Dependence:
    """Which buffers and statements of ``body`` depend on the virtual thread ``vt``."""

    def __init__(self, vt, body):
        self.vt = vt
        self.body = body
        stores = collect(body, S.Store)
        self.written = {s.buffer for s in stores}
        self.inside = {a.buffer for a in collect(body, S.Allocate)}
        self.vars = {vt}
        self.buffers = set()
        while True:
            before = (len(self.vars), len(self.buffers))
            self._walk(body, False)
            if (len(self.vars), len(self.buffers)) == before:
                break

    def uses(self, *nodes):
        """Whether any of the expressions ``nodes`` depends on the virtual thread."""
        for node in nodes:
            if node is None:
                continue
            if free_vars(node) & self.vars:
                return True
            if any(ld.buffer in self.buffers
                   for ld in collect(node, E.Load)):
                return True
        return False

    def _walk(self, s, ctx):
        if isinstance(s, S.SeqStmt):
            for c in s.seq:
                self._walk(c, ctx)
        elif isinstance(s, S.For):
            dep = ctx or self.uses(s.min) or self.uses(s.extent)
            if dep:
                self.vars.add(s.loop_var)
            self._walk(s.body, dep)
        elif isinstance(s, S.LetStmt):
            if ctx or self.uses(s.value):
                self.vars.add(s.var)
            self._walk(s.body, ctx)
        elif isinstance(s, S.IfThenElse):
            dep = ctx or self.uses(s.condition)
            self._walk(s.then_case, dep)
            if s.else_case is not None:
                self._walk(s.else_case, dep)
        elif isinstance(s, S.AttrStmt):
            self._walk(s.body, ctx or self.uses(s.value))
        elif isinstance(s, S.Allocate):
            self._walk(s.body, ctx)
        elif isinstance(s, S.Store):
            loads = {ld.buffer for ld in collect(s, E.Load)}
            if ctx or s.buffer in self.buffers or self.uses(s) or loads & self.written:
                self.buffers.add(s.buffer)
        elif isinstance(s, S.AssertStmt):
            self._walk(s.body, ctx)

    def depends(self, s):
        """Whether statement ``s`` must run once per virtual thread."""
        if isinstance(s, S.Store):
            return s.buffer in self.buffers
        if isinstance(s, S.Evaluate):
            return True
        if self.uses(*_header(s)):
            return True
        return any(self.depends(c) for c in _children(s))

    def interleavable(self):
        """Whether running the virtual threads interleaved gives what running them
        one after another gives (see the module docstring)."""
        for a in collect(self.body, S.Allocate):
            if self.uses(a.extent):
                return False
        shared_out = (self.written - self.inside) & self.buffers
        checker = _OuterAccesses(self.vt, shared_out)
        checker.visit(self.body)
        return checker.ok


class _OuterAccesses(IRVisitor):
    """Every store to a buffer of ``buffers`` uses ``vt`` in its index, and every
    load of one is the same element in the value stored there."""

    def __init__(self, vt, buffers):
        self.vt = vt
        self.buffers = buffers
        self.ok = True
        self.store = None

    def visit_Store(self, s):
        if s.buffer in self.buffers and self.vt not in free_vars(s.index):
            self.ok = False
        outer, self.store = self.store, s
        self.generic_visit(s)
        self.store = outer

    def visit_Load(self, ld):
        if ld.buffer in self.buffers:
            st = self.store
            if st is None or st.buffer is not ld.buffer or not structural_equal(st.index, ld.index):
                self.ok = False
        self.generic_visit(ld)


def _header(s):
    """The expressions of statement ``s`` outside its body."""
    if isinstance(s, S.For):
        return (s.min, s.extent)
    if isinstance(s, S.LetStmt):
        return (s.value,)
    if isinstance(s, (S.IfThenElse, S.AssertStmt)):
        return (s.condition,)
    if isinstance(s, S.AttrStmt):
        return (s.value,)
    if isinstance(s, S.Allocate):
        return (s.extent,)
    return ()


def _children(s):
    if isinstance(s, S.SeqStmt):
        return s.seq
    if isinstance(s, S.IfThenElse):
        return (s.then_case,) if s.else_case is None else (s.then_case, s.else_case)
    body = getattr(s, "body", None)
    return () if body is None else (body,)


class _Interleave:
    """Pushes the loop of ``n`` virtual threads ``vt`` down to the statements that
    depend on it, giving each dependent buffer allocated inside one copy per thread."""

    def __init__(self, vt, n, deps):
        self.vt = vt
        self.n = n
        self.deps = deps
        self.expanded = {}      # buffer -> (copy with n times the size, size of one)

    def inject(self, s):
        if not self.deps.depends(s):
            return s
        if isinstance(s, S.SeqStmt):
            return S.SeqStmt(tuple(self.inject(c) for c in s.seq))
        if isinstance(s, S.Allocate) and s.buffer in self.deps.buffers:
            size = s.extent
            buf = s.buffer
            wide = Buffer(buf.name, buf.dtype, (E.Mul(size, E.const_index(self.n)),), buf.scope)
            self.expanded[buf] = (wide, size)
            return S.Allocate(wide, wide.shape[0], self.inject(s.body))
        if isinstance(s, S.Allocate):
            return S.Allocate(s.buffer, s.extent, self.inject(s.body))
        if not self.deps.uses(*_header(s)):
            if isinstance(s, S.For):
                return S.For(s.loop_var, s.min, s.extent, s.kind, self.inject(s.body), s.thread_tag)
            if isinstance(s, S.IfThenElse):
                return S.IfThenElse(s.condition, self.inject(s.then_case),
                                    None if s.else_case is None else self.inject(s.else_case))
            if isinstance(s, S.LetStmt):
                return S.LetStmt(s.var, s.value, self.inject(s.body))
        return self.repeat(s)

    def repeat(self, s):
        """``s`` once per virtual thread."""
        loops = collect(s, (S.For, S.Allocate))
        if loops or self.n >= UNROLL_LIMIT:
            var = Var(f"{self.vt.name}.s", self.vt.dtype)
            return S.For(var, E.const_index(0), E.const_index(self.n), S.ForKind.SERIAL,
                         self.copy(s, var))
        return S.SeqStmt(tuple(self.copy(s, E.const(i, self.vt.dtype)) for i in range(self.n)))

    def copy(self, s, value):
        return _Rename(self.expanded, value).visit(substitute(s, {self.vt: value}))


class _Rename(IRMutator):
    """Accesses of the per-thread buffers go to thread ``value``'s copy."""

    def __init__(self, expanded, value):
        self.expanded = expanded
        self.value = value

    def _index(self, index, size):
        offset = E.Mul(self.value, size) if self.value.dtype == size.dtype else \
            E.Mul(E.Cast(size.dtype, self.value), size)
        if isinstance(index, E.Ramp):
            return E.Ramp(E.Add(index.base, offset), index.stride, index.lanes)
        return E.Add(index, offset)

    def visit_Store(self, s):
        s = self.generic_visit(s)
        if s.buffer in self.expanded:
            wide, size = self.expanded[s.buffer]
            return S.Store(wide, s.value, self._index(s.index, size), s.predicate)
        return s

    def visit_Load(self, ld):
        ld = self.generic_visit(ld)
        if ld.buffer in self.expanded:
            wide, size = self.expanded[ld.buffer]
            return E.Load(ld.dtype, wide, self._index(ld.index, size), ld.predicate)
        return ld

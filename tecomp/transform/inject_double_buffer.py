"""inject_double_buffer: a double-buffered tile filled one iteration ahead.

Takes a PrimFunc just after :func:`~tecomp.transform.storage_flatten.storage_flatten`, whose
double-buffered stages (``s[AA].double_buffer()``) are marked by an
``AttrStmt(tensor, "double_buffer_scope")`` just inside their ``Allocate``, and
returns it with each such buffer given two copies ``B0``/``B1``. The serial loop
``k`` whose body begins with the buffer's fill ``F(k)`` and then uses it
(``R(k)``) runs two iterations per step, each filling the copy the other one
does not read, as TVM's ``InjectDoubleBuffer``::

    for (k, 0, n) {                      B0 = F(0)
      AA = F(k)                          for (k2, 0, n / 2) {
      R(k, AA)                    ->       B1 = F(2*k2 + 1);   R(2*k2, B0)
    }                                      if (2*k2 + 2 < n) B0 = F(2*k2 + 2)
                                           R(2*k2 + 1, B1)
                                         }
                                         if (n % 2 == 1) R(n - 1, B0)

(the first fill guarded by ``n > 0`` where the trip count is not a positive constant)
so the next tile is loaded while the current one is used, and
:mod:`~tecomp.transform.insert_barriers` (which tells buffers apart) needs one
barrier per iteration instead of two. Several double-buffered stages attached at
the same loop are prefetched together; other stages attached there are filled
in each iteration as before.

A double-buffered stage whose fill does not fit (not computed at a serial loop,
a fill that reads what the loop writes, a loop body that writes the buffer
again) is a :class:`~tecomp.errors.LoweringError` naming the stage. The pass runs
right after storage flattening, before loops are partitioned, for every target
(on a CPU the two copies are simply two buffers).
"""

from ..errors import LoweringError
from ..ir import Buffer, Var
from ..ir import expr as E
from ..ir import stmt as S
from ..ir.functor import IRMutator, StmtMutator, collect, substitute
from ..ir.stmt import DOUBLE_BUFFER_SCOPE


def inject_double_buffer(func):
    """``func`` with its double-buffered stages prefetched (the same object if none)."""
    if not any(_is_mark(attr) for attr in collect(func.body, S.AttrStmt)):
        return func     # a statements-only search
    return func.with_body(_Injector(func.name).visit(func.body))


def _is_mark(n):
    return isinstance(n, S.AttrStmt) and n.key == DOUBLE_BUFFER_SCOPE


class _Injector(StmtMutator):
    def __init__(self, name):
        self.name = name

    def visit_For(self, loop):
        chain, rest = _chain(loop.body)
        if loop.kind in (S.ForKind.SERIAL, S.ForKind.UNROLLED) and any(db for _, db, _ in chain):
            chain = [(alloc, db, self.visit(fill)) for alloc, db, fill in chain]
            return self.pipeline(loop, chain, self.visit(rest))
        return self.generic_visit(loop)

    def visit_Allocate(self, s):
        body = self.visit(s.body)
        if _is_mark(body):
            raise LoweringError(
                f"{self.name}: double_buffer('{s.buffer.name}'): the stage must be computed at "
                "a serial loop of its reader (compute_at, e.g. the outer part of a split "
                "reduce axis), its fill first in the loop body; here it is not directly "
                "inside such a loop")
        return s if body is s.body else S.Allocate(s.buffer, s.extent, body)

    def pipeline(self, loop, chain, rest):
        k, lo, n = loop.loop_var, loop.min, loop.extent
        written = {st.buffer for st in collect(rest, S.Store)}
        for alloc, _, fill in chain:
            written |= {st.buffer for st in collect(fill, S.Store)}
        copies = {}
        for alloc, db, fill in chain:
            if not db:
                continue
            name = alloc.buffer.name
            stores = {st.buffer for st in collect(fill, S.Store)}
            reads = {ld.buffer for ld in collect(fill, E.Load)}
            if stores != {alloc.buffer} or reads & written:
                raise LoweringError(
                    f"{self.name}: double_buffer('{name}'): its fill in loop '{k.name}' "
                    + ("reads " + ", ".join(sorted(f"'{b.name}'" for b in reads & written))
                       + ", which the loop writes" if reads & written else
                       "writes other buffers")
                    + "; only a tile loaded from the loop's inputs can be loaded ahead")
            if alloc.buffer in {st.buffer for st in collect(rest, S.Store)}:
                raise LoweringError(
                    f"{self.name}: double_buffer('{name}'): loop '{k.name}' writes it after "
                    "its fill; only a tile that is filled once per iteration can be loaded ahead")
            b = alloc.buffer
            copies[b] = (b, Buffer(b.name, b.dtype, b.shape, b.scope))
        k2 = Var(f"{k.name}.db", k.dtype)
        two = E.IntImm(k.dtype, 2)

        def at(j):              # loop variable value of relative iteration j
            return E.Add(lo, j)

        def fills(j, slot):
            return [_rename(substitute(fill, {k: at(j)}), {a.buffer: copies[a.buffer][slot]})
                    for a, db, fill in chain if db]

        def iteration(j, slot):
            """The non-prefetched part of iteration ``j`` reading copy ``slot``."""
            inner = rest
            for alloc, db, fill in reversed(chain):
                if not db:
                    inner = S.Allocate(alloc.buffer, alloc.extent, S.seq(fill, inner))
            renamed = {b: pair[slot] for b, pair in copies.items()}
            return _rename(substitute(inner, {k: at(j)}), renamed)

        j0 = E.Mul(k2, two)
        j1 = E.Add(j0, E.IntImm(k.dtype, 1))
        j2 = E.Add(j0, two)
        pair = S.seq(*fills(j1, 1), iteration(j0, 0),
                     S.IfThenElse(E.LT(j2, n), S.seq(*fills(j2, 0))), iteration(j1, 1))
        prologue = S.seq(*fills(E.IntImm(k.dtype, 0), 0))
        if not (isinstance(n, E.IntImm) and n.value > 0):     # a loop that may not run
            prologue = S.IfThenElse(E.LT(E.IntImm(k.dtype, 0), n), prologue)
        body = S.seq(
            prologue,
            S.For(k2, E.IntImm(k.dtype, 0), E.FloorDiv(n, two), S.ForKind.SERIAL, pair),
            S.IfThenElse(E.EQ(E.FloorMod(n, two), E.IntImm(k.dtype, 1)),
                         iteration(E.Sub(n, E.IntImm(k.dtype, 1)), 0)))
        for b0, b1 in copies.values():
            alloc = next(a for a, _, _ in chain if a.buffer is b0)
            body = S.Allocate(b0, alloc.extent, S.Allocate(b1, alloc.extent, body))
        return body


def _chain(body):
    """``([(Allocate, double buffered, fill)], rest)`` of a loop body that begins
    with stages attached at the loop: ``Allocate(T) { [mark] { F_T; ... } }``."""
    chain = []
    while isinstance(body, S.Allocate):
        inner, db = body.body, False
        if _is_mark(inner):
            inner, db = inner.body, True
        if not isinstance(inner, S.SeqStmt) or len(inner.seq) < 2:
            break
        chain.append((body, db, inner.seq[0]))
        body = S.seq(*inner.seq[1:])
    return chain, body


class _Rename(IRMutator):
    def __init__(self, mapping):
        self.mapping = mapping

    def visit_Store(self, s):
        s = self.generic_visit(s)
        b = self.mapping.get(s.buffer)
        return s if b is None else S.Store(b, s.value, s.index, s.predicate)

    def visit_Load(self, ld):
        ld = self.generic_visit(ld)
        b = self.mapping.get(ld.buffer)
        return ld if b is None else E.Load(ld.dtype, b, ld.index, ld.predicate)


def _rename(node, mapping):
    return _Rename(mapping).visit(node) if mapping else node

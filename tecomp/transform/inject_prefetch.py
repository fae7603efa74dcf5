"""inject_prefetch: ``Stage.prefetch`` marks become prefetches of regions (TVM's
InjectPrefetch, with the region cut into rows as its StorageFlatten does).

:func:`~tecomp.schedule.schedule_ops.schedule_ops` marks the body of a loop whose
stage prefetches at it with ``AttrStmt(tensor, "prefetch_scope", offset, body)``.
Before storage flattening, this pass replaces each mark by the prefetch of the
region of ``tensor`` that ``body`` reads in iteration ``var + offset`` of the
loop ``var`` around the mark, followed by ``body``::

    for ioi in [0, 64):                        for ioi in [0, 64):
      // prefetch_scope C, offset 1               if ioi + 1 < 64:
      for k: for ii in [0, 8): for ji in [0, 32):   for p0 in [0, 8):     r = (ioi + 1)*8
        C[ioi*8 + ii, j*32 + ji] += ...               prefetch_span(&C[r + p0, j*32], 32, 1)
                                                  for k: ...

The region, per dimension: the union over the body's reads of ``tensor`` of
each index's interval while the loops inside the body run over their ranges,
with ``var`` replaced by ``var + offset``; then intersected with the tensor's
storage (the region its ``Realize`` holds, or its shape for an argument), so
that no address is ever outside the buffer. Nothing is fetched where iteration
``var + offset`` is outside the loop (its region would be another iteration of
an outer loop's, possibly another thread's). Every dimension but the last becomes
a loop; each row of the last is one ``prefetch_span(address, elements, write)``
call, which :mod:`~tecomp.transform.lower_prefetch` turns into one prefetch per
cache line of the target (or removes, on a GPU). ``write`` is 1 where the body
also writes the tensor (a reduction's own output: the lines are fetched for
writing), else 0.

Refused (:class:`~tecomp.errors.LoweringError`, naming the stage's tensor, the
loop and the offset): a mark on a vectorized loop, a tensor the body does not
read (its reads redirected by ``cache_read``, say), a tensor computed inside the
loop. A region that cannot be bounded (an index through a let-bound value) is
not prefetched, with a warning, as TVM does.
"""

from ..arith import Analyzer, Interval, eval_interval
from ..errors import LoweringError, warn_user
from ..ir import IRMutator, IRVisitor, Range, Var
from ..ir import expr as E
from ..ir import stmt as S
from ..ir.functor import collect, free_vars, substitute
from ..ir.stmt import PREFETCH_SCOPE, ForKind

#: The intrinsic a prefetched row becomes: (address_of(first element), elements, write)
PREFETCH_SPAN = "prefetch_span"


def inject_prefetch(func):
    """``func`` (before storage flattening) with every ``prefetch_scope`` mark
    replaced by the prefetch of its region (see the module doc); the same object
    when it has none."""
    if not any(attr.key == PREFETCH_SCOPE for attr in collect(func.body, S.AttrStmt)):
        return func     # a statements-only search: most schedules prefetch nothing
    body = _Injector().visit(func.body)
    return func if body is func.body else func.with_body(body)


class _Injector(IRMutator):
    def __init__(self):
        self.loops = []
        self.storage = {}     # tensor -> bounds of its enclosing Realize
        self.analyzer = Analyzer()

    def visit_For(self, loop):
        self.loops.append(loop)
        self.analyzer.bind(loop.loop_var, Range(loop.min, loop.extent))
        try:
            return self.generic_visit(loop)
        finally:
            self.analyzer.unbind(loop.loop_var)
            self.loops.pop()

    def visit_Realize(self, realize):
        outer = self.storage.get(realize.tensor)
        self.storage[realize.tensor] = realize.bounds
        try:
            return self.generic_visit(realize)
        finally:
            if outer is None:
                del self.storage[realize.tensor]
            else:
                self.storage[realize.tensor] = outer

    def visit_AttrStmt(self, attr):
        if attr.key != PREFETCH_SCOPE:
            return self.generic_visit(attr)
        tensor, offset = attr.node, attr.value
        body = self.visit(attr.body)
        loop = self.loops[-1]
        what = f"prefetch({tensor.name}) at loop '{loop.loop_var.name}', offset {offset}"
        if loop.kind == ForKind.VECTORIZED:
            raise LoweringError(f"{what}: the loop is vectorized (its iterations are vector "
                                "lanes); prefetch at a loop outside it")
        reads = _Reads(tensor, what)
        reads.visit(attr.body)
        if not reads.intervals:
            raise LoweringError(f"{what}: the loop's body does not read '{tensor.name}' (were "
                                "its reads redirected, by cache_read say?); prefetch a tensor "
                                "the loop reads")
        region = self.region(tensor, loop.loop_var, offset, reads)
        if region is None:
            warn_user(f"{what}: the region read cannot be bounded; not prefetched")
            return body
        rows = _prefetch_rows(tensor, region, reads.written)
        ahead = E.Add(loop.loop_var, offset)
        exists = self.analyzer.simplify(E.And(E.GE(ahead, loop.min),
                                              E.LT(ahead, loop.min + loop.extent)))
        if not E.is_const_int(exists, 1):
            rows = S.IfThenElse(exists, rows)
        return S.seq(rows, body)

    def region(self, tensor, var, offset, reads):
        """``[(min, extent)]`` per dimension, inside the tensor's storage, or None."""
        storage = self.storage.get(tensor) or tuple(
            Range(E.const_index(0), E.const_index(n)) for n in tensor.shape)
        shifted = {var: E.Add(var, offset)}
        region = []
        for interval, bounds in zip(reads.intervals, storage):
            if interval.lo is None or interval.hi is None or \
                    (free_vars(interval.lo) | free_vars(interval.hi)) & reads.inner:
                return None
            lo = E.Max(substitute(interval.lo, shifted), bounds.min)
            hi = E.Min(substitute(interval.hi, shifted), bounds.min + bounds.extent - 1)
            lo = self.analyzer.simplify(lo)
            extent = self.analyzer.simplify(E.Max(hi - lo + 1, E.const_index(0)))
            region.append((lo, extent))
        return region


class _Reads(IRVisitor):
    """The interval of each index of ``tensor`` over the reads in a body, the
    variables the body defines (``inner``), and whether it writes ``tensor``."""

    def __init__(self, tensor, what):
        self.tensor, self.what = tensor, what
        self.ranges = {}
        self.inner = set()
        self.intervals = []
        self.written = False

    def visit_For(self, loop):
        self.ranges[loop.loop_var] = Range(loop.min, loop.extent)
        self.inner.add(loop.loop_var)
        self.generic_visit(loop)

    def visit_LetStmt(self, let):
        self.inner.add(let.var)
        self.generic_visit(let)

    def visit_Let(self, let):
        self.inner.add(let.var)
        self.generic_visit(let)

    def visit_Realize(self, realize):
        if realize.tensor is self.tensor:
            raise LoweringError(f"{self.what}: '{self.tensor.name}' is computed inside the "
                                "loop, so the next iterations' values do not exist yet; "
                                "prefetch at a loop inside its compute_at loop")
        self.generic_visit(realize)

    def visit_Provide(self, provide):
        self.written = self.written or provide.tensor is self.tensor
        self.generic_visit(provide)

    def visit_TensorRead(self, read):
        self.generic_visit(read)
        if read.tensor is not self.tensor:
            return
        analyzer = Analyzer()
        found = [eval_interval(index, self.ranges, analyzer) for index in read.indices]
        if not self.intervals:
            self.intervals = found
            return
        self.intervals = [_union(a, b, analyzer) for a, b in zip(self.intervals, found)]


def _union(a, b, analyzer):
    both = a.union(b)
    return Interval(None if both.lo is None else analyzer.simplify(both.lo),
                    None if both.hi is None else analyzer.simplify(both.hi))


def _prefetch_rows(tensor, region, written):
    """Loops over every dimension of ``region`` but the last around one
    ``prefetch_span`` per row."""
    *outer, (last_min, last_extent) = region
    loop_vars = [Var(f"prefetch.{tensor.name}.{d}") for d in range(len(outer))]
    indices = tuple(lo + v for (lo, _), v in zip(outer, loop_vars)) + (last_min,)
    address = E.Call("handle", "address_of", (E.TensorRead(tensor, indices),))
    stmt = S.Evaluate(E.Call("int32", PREFETCH_SPAN,
                             (address, last_extent, E.IntImm("int32", int(written)))))
    for v, (_, extent) in reversed(list(zip(loop_vars, outer))):
        stmt = S.For(v, E.const_index(0), extent, ForKind.SERIAL, stmt)
    return stmt

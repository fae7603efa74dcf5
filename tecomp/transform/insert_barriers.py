"""insert_barriers: block-wide synchronization around shared memory.

Takes a kernel body (a Stmt of one :class:`~tecomp.transform.split_host_device.Kernel`)
and returns it with ``Evaluate(Call("int32", "storage_sync", ("shared",)))`` (printed
``__syncthreads()`` / ``barrier(CLK_LOCAL_MEM_FENCE)``) inserted

* in a sequence, before a statement that reads a shared buffer written earlier in
  the sequence since the last barrier (the cooperative fill before its use), or
  writes one read there (so no thread overwrites a tile another still reads).
  Writes after writes are not synchronized: the statements of one fill store
  disjoint elements;
* at the top of a loop body that both reads and writes a shared buffer (before
  the next iteration's fill)::

    for (ko, 0, 64) {                       for (ko, 0, 64) {
      A.shared[...] = A[...]                  storage_sync("shared")
      for (ki, 0, 8) {                  ->    A.shared[...] = A[...]
        C.local[...] += A.shared[...]         storage_sync("shared")
      }                                       for (ki, 0, 8) { C.local[...] += A.shared[...] }
    }                                       }

The analysis is by buffer, not by element: conservative, never missing a barrier
that the schedule's dataflow needs. Barriers land only in sequences and loop
bodies that every thread of the block runs (schedule_ops places stages there, and
guards only around single stores). TVM's equivalent is ``ThreadSync("shared")``.
"""

from ..ir import expr as E
from ..ir import stmt as S
from ..ir.functor import Dispatcher, collect

SYNC_OP = "storage_sync"


def barrier():
    """The barrier statement."""
    return S.Evaluate(E.Call("int32", SYNC_OP, (E.StringImm("shared"),)))


def is_barrier(stmt):
    return isinstance(stmt, S.Evaluate) and isinstance(stmt.value, E.Call) \
        and stmt.value.op == SYNC_OP


def insert_barriers(body):
    """``body`` with barriers for its shared buffers (the same object if none)."""
    shared = {a.buffer for a in collect(body, S.Allocate)
              if a.buffer.scope == "shared"}
    if not shared:
        return body
    return _Sync(shared).stmt(body)[0]


class _Sync(Dispatcher):
    def __init__(self, shared):
        self.shared = shared

    def access(self, node):
        """(reads, writes): shared buffers ``node`` loads and stores."""
        reads = {n.buffer for n in collect(node, E.Load)
                 if n.buffer in self.shared}
        writes = {n.buffer for n in collect(node, S.Store)
                  if n.buffer in self.shared}
        return reads, writes

    def stmt(self, s):
        """(new statement, reads, writes)."""
        method = self.handler(s, "stmt_")
        if method is not None:
            return method(s)
        for name in ("body", "then_case"):
            if hasattr(s, name):
                return self.nested(s)
        reads, writes = self.access(s)
        return s, reads, writes

    def nested(self, s):
        """Statements with one body (Allocate, AttrStmt, LetStmt, IfThenElse...)."""
        if isinstance(s, S.IfThenElse):
            then_case, r1, w1 = self.stmt(s.then_case)
            else_case, r2, w2 = (None, set(), set()) if s.else_case is None else \
                self.stmt(s.else_case)
            r0, _ = self.access(s.condition)
            if then_case is s.then_case and else_case is s.else_case:
                return s, r0 | r1 | r2, w1 | w2
            return S.IfThenElse(s.condition, then_case, else_case), r0 | r1 | r2, w1 | w2
        body, reads, writes = self.stmt(s.body)
        if body is s.body:
            return s, reads, writes
        fields = {f: getattr(s, f) for f in s.__dataclass_fields__}
        fields["body"] = body
        return type(s)(**fields), reads, writes

    def stmt_SeqStmt(self, s):
        items, pending_reads, pending_writes = [], set(), set()
        all_reads, all_writes = set(), set()
        flat = S.seq(*s.seq)          # nested sequences (left by hoisting) as one
        flat = flat.seq if isinstance(flat, S.SeqStmt) else (flat,)
        changed = len(flat) != len(s.seq)
        for item in flat:
            new, reads, writes = self.stmt(item)
            changed |= new is not item
            if reads & pending_writes or writes & pending_reads:
                items.append(barrier())
                changed = True
                pending_reads, pending_writes = set(), set()
            items.append(new)
            if is_barrier(new):
                pending_reads, pending_writes = set(), set()
            pending_reads |= reads
            pending_writes |= writes
            all_reads |= reads
            all_writes |= writes
        return (S.seq(*items) if changed else s), all_reads, all_writes

    def stmt_For(self, s):
        body, reads, writes = self.stmt(s.body)
        if reads & writes and s.kind != S.ForKind.VECTORIZED:
            body = S.seq(barrier(), body)
        if body is s.body:
            return s, reads, writes
        return S.For(s.loop_var, s.min, s.extent, s.kind, body, s.thread_tag), reads, writes

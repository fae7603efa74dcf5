"""verify_gpu_races: refuse GPU kernels whose threads race on memory.

Takes one kernel (a PrimFunc after
:func:`~tecomp.transform.insert_barriers.insert_barriers`) and returns nothing,
or raises :class:`~tecomp.errors.LoweringError` naming the buffer, the store and
the thread axis. Two checks:

1. **Stores.** Each thread index bound around a store to global memory (any
   ``blockIdx``/``threadIdx``) or shared memory (any ``threadIdx``) must reach
   its address, directly, through a let or through the bounds of a loop, unless
   a condition around the store pins it (``threadIdx.x == 0``: a store
   predicate, the write of an all-reduce result). Otherwise the threads that
   differ only in that index store to the same element: refused unless every one
   stores the same value (the value does not depend on the index, reads no
   per-thread ``local`` buffer and not the stored buffer itself), as in a
   cooperative copy that each thread repeats::

       attr [threadIdx.x] thread_extent = 16 {
         B[i] = B[i] + A[i*16 + threadIdx.x]        <- refused: threadIdx.x races on B[i]

2. **Barriers.** A read of a shared buffer that another thread may have written
   since the last barrier (not the very element this thread wrote) is refused,
   and so is a barrier that not every thread of the block reaches (under a
   condition or in a loop whose bounds depend on ``threadIdx``).

TVM has no such check (its tutorial's unsynchronised reduction ran silently
wrong); it runs on every GPU build.
"""

from ..errors import LoweringError
from ..ir import expr as E
from ..ir import stmt as S
from ..ir.functor import IRVisitor, free_vars, structural_equal
from .insert_barriers import is_barrier


def verify_gpu_races(func):
    """Check kernel ``func``; raise :class:`LoweringError` on a race."""
    _Stores(func).visit(func.body)
    _Barriers(func).run(func.body)


class _Context(IRVisitor):
    """Tracks the bound thread indices, lets and loops around the node visited."""

    def __init__(self, func):
        self.func = func
        self.threads = {}           # Var -> tag, bound around the node
        self.deps = {}              # let/loop Var -> thread Vars its value depends on
        self.scopes = {}            # Buffer -> "shared" | "local"
        self.pinned = []            # thread Vars fixed by conditions around the node

    def thread_deps(self, node):
        found = set()
        for v in free_vars(node):
            if v in self.threads:
                found.add(v)
            else:
                found |= self.deps.get(v, set())
        return found

    def scope(self, buffer):
        return self.scopes.get(buffer, getattr(buffer, "scope", "global") or "global")

    def visit_AttrStmt(self, s):
        if s.key != "thread_extent":
            return self.generic_visit(s)
        var = s.node.var
        if E.is_const_int(s.value, 1):        # one thread: nothing to race with
            return self.visit(s.body)
        outer = self.threads.get(var)
        self.threads[var] = s.node.thread_tag
        try:
            self.visit(s.body)
        finally:
            if outer is None:
                del self.threads[var]

    def visit_LetStmt(self, s):
        self.visit(s.value)
        self.deps[s.var] = self.thread_deps(s.value) | self._local_reads(s.value)
        self.visit(s.body)

    def visit_For(self, s):
        self.visit(s.min)
        self.visit(s.extent)
        self.deps[s.loop_var] = self.thread_deps(s.min) | self.thread_deps(s.extent)
        self.visit(s.body)

    def visit_Allocate(self, s):
        self.scopes[s.buffer] = s.buffer.scope
        self.visit(s.body)

    def visit_IfThenElse(self, s):
        self.visit(s.condition)
        pinned = _pinned(s.condition, self.threads)
        self.pinned.append(pinned)
        try:
            self.visit(s.then_case)
        finally:
            self.pinned.pop()
        if s.else_case is not None:
            self.visit(s.else_case)

    def _local_reads(self, node):
        """Thread vars a value may depend on through per-thread local buffers."""
        reads = [n for n in _loads(node) if self.scope(n.buffer) == "local"]
        return set(self.threads) if reads else set()


class _Stores(_Context):
    def visit_Store(self, s):
        self.generic_visit(s)
        scope = self.scope(s.buffer)
        if scope == "local":
            return
        pinned = set().union(*self.pinned) if self.pinned else set()
        reach = self.thread_deps(s.index) | self._local_reads(s.index)
        for var, tag in self.threads.items():
            if scope == "shared" and not tag.startswith("threadIdx"):
                continue
            if var in reach or var in pinned:
                continue
            if self._uniform(s, var):
                continue
            raise LoweringError(
                f"{self.func.name}: data race on '{s.buffer.name}': the store "
                f"`{s.buffer.name}[{s.index}] = {s.value}` is inside the loop bound to {tag}, "
                f"but its address does not depend on {tag}, so every {tag} thread writes the "
                f"same element with a different value. Bind {tag} to an axis of "
                f"'{s.buffer.name}', or, for a reduction over {tag}, let the reduce axis be "
                "bound (a cross-thread reduction) and not a loop outside it")

    def _uniform(self, store, var):
        if var in self.thread_deps(store.value):
            return False
        for load in _loads(store.value):
            if load.buffer is store.buffer or self.scope(load.buffer) == "local":
                return False
        return True


class _Barriers(_Context):
    """Program-order walk: shared buffers written since the last barrier."""

    def run(self, body):
        self.pending = {}           # Buffer -> [index expressions written]
        self.visit(body)

    def visit_Evaluate(self, s):
        if is_barrier(s):
            self._check_reached(s)
            self.pending = {}
        else:
            self.generic_visit(s)

    def _check_reached(self, s):
        for cond in self.conditions:
            # blockIdx is the same for every thread of a block: only threadIdx diverges
            deps = {v for v in self.thread_deps(cond) if self.threads[v].startswith("threadIdx")}
            if deps:
                tags = ", ".join(sorted(self.threads[v] for v in deps))
                raise LoweringError(
                    f"{self.func.name}: a barrier lies under the condition `{cond}`, which "
                    f"depends on {tags}; threads that skip it would never meet the others "
                    "there (the shared memory it guards is filled or read under that "
                    "condition); move the condition inside the stage")

    conditions = ()

    def visit_For(self, s):
        self.visit(s.min)
        self.visit(s.extent)
        self.deps[s.loop_var] = self.thread_deps(s.min) | self.thread_deps(s.extent)
        outer = self.conditions
        if self.deps[s.loop_var]:
            self.conditions = outer + (E.LT(s.loop_var, s.min + s.extent),)
        try:
            # twice: a read in one iteration may meet a write of the previous one
            self.visit(s.body)
            self.visit(s.body)
        finally:
            self.conditions = outer

    def visit_IfThenElse(self, s):
        self.visit(s.condition)
        outer, before = self.conditions, self.pending
        self.conditions = outer + (s.condition,)
        try:
            self.pending = {b: list(v) for b, v in before.items()}
            self.visit(s.then_case)
            after_then = self.pending
            self.pending = {b: list(v) for b, v in before.items()}
            if s.else_case is not None:
                self.visit(s.else_case)
            for b, v in after_then.items():
                self.pending.setdefault(b, []).extend(v)
        finally:
            self.conditions = outer

    def visit_Store(self, s):
        self.generic_visit(s)
        if self.scope(s.buffer) == "shared":
            self.pending.setdefault(s.buffer, []).append(s.index)

    def visit_Load(self, e):
        self.generic_visit(e)
        if self.scope(e.buffer) != "shared":
            return
        writes = self.pending.get(e.buffer, ())
        threads = {v for v, t in self.threads.items() if t.startswith("threadIdx")}
        for index in writes:
            own = structural_equal(index, e.index) and threads <= self.thread_deps(index)
            if not own:
                raise LoweringError(
                    f"{self.func.name}: '{e.buffer.name}[{e.index}]' reads shared memory that "
                    f"other threads wrote (at `{e.buffer.name}[{index}]`) with no barrier in "
                    "between; compute the shared stage at a loop outside the one that reads it "
                    "so that a barrier can separate them")


def _loads(node):
    found = []

    class Loads(IRVisitor):
        def visit_Load(self, e):
            found.append(e)
            self.generic_visit(e)

    Loads().visit(node)
    return found


def _pinned(condition, threads):
    """Thread vars that ``condition`` fixes to one value (``tx == c`` conjuncts)."""
    pinned = set()
    stack = [condition]
    while stack:
        c = stack.pop()
        if isinstance(c, E.And):
            stack += [c.a, c.b]
        elif isinstance(c, E.EQ):
            for side, other in ((c.a, c.b), (c.b, c.a)):
                if isinstance(side, E.Var) and side in threads and not free_vars(other) & set(threads):
                    pinned.add(side)
        elif isinstance(c, (E.LT, E.LE)) and isinstance(c.a, E.Var) and c.a in threads and \
                E.is_const_int(c.b, 1 if isinstance(c, E.LT) else 0):
            pinned.add(c.a)
    return pinned

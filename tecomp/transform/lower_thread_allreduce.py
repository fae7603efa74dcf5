"""lower_thread_allreduce: ``thread_allreduce`` statements to a block-wide tree.

Takes a PrimFunc after :func:`~tecomp.transform.lower_thread_binding.lower_thread_binding`
(kernels are ``thread_extent`` attributes) and returns it with every
``AttrStmt(ThreadAllReduce, "thread_allreduce", 0, red_k[0] = value_k ...)`` (made
by :mod:`tecomp.schedule.cross_thread_reduction`) replaced by a reduction over
the bound reduce threads. With ``R`` the reduce threads' count and ``r`` a
thread's rank among them, and ``g`` the rank of its group (the block's other
``threadIdx`` axes, which reduce separately)::

    attr thread_allreduce(sum, threadIdx.x) {       red_buf[g*R + r] = value
      red[0] = value                         ->     storage_sync("shared")
    }                                               if (r < 64) red_buf[g*R + r] += red_buf[g*R + r + 64]
                                                    storage_sync("shared")  ... down to 1
                                                    red[0] = red_buf[g*R]

A count ``R`` that is not a power of two first folds its top ``R - P`` values
(``P`` the largest power of two below ``R``). Tuple reducers (argmax) keep one
shared buffer per output and combine them together. With ``warp_size`` given
(CUDA) and the reduce threads being ``threadIdx.x`` alone with a power-of-two
extent, each warp reduces with ``shfl_down`` and, when ``R`` spans several warps,
the warps' results meet in shared memory (one value per warp) and are reduced
again with shuffles. The shared buffers are allocated around the reduction
(``split_host_device`` hoists them). TVM's ``LowerThreadAllreduce``.
"""

from ..errors import LoweringError
from ..ir import Buffer, Var
from ..ir import dtype as dt
from ..ir import expr as E
from ..ir import stmt as S
from ..ir.functor import IRMutator, collect
from .insert_barriers import barrier

_AXES = ("threadIdx.x", "threadIdx.y", "threadIdx.z")
#: dtypes CUDA's ``__shfl_*_sync`` move; others take the shared-memory tree
SHUFFLE_DTYPES = ("int32", "uint32", "int64", "uint64", "float32", "float64")


def lower_thread_allreduce(func, warp_size=None):
    """``func`` with its all-reduce statements lowered (the same object if it
    has none). ``warp_size`` above 1 (CUDA: 32) enables warp shuffles."""
    body = _Lowering(func.name, warp_size).visit(func.body)
    return func if body is func.body else func.with_body(body)


class _Lowering(IRMutator):
    def __init__(self, name, warp_size):
        self.name = name
        self.warp_size = warp_size
        self.threads = None     # tag -> (var, extent) in the current kernel
        self.enclosing = []     # tags of the thread_extent attributes around the node
        self.count = 0

    def visit_AttrStmt(self, s):
        if s.key == "thread_extent" and self.threads is None:
            self.threads = {}
            for attr in collect(s, lambda n: isinstance(n, S.AttrStmt) and n.key == "thread_extent"):
                self.threads.setdefault(attr.node.thread_tag, (attr.node.var, attr.value))
            try:
                return self.bound(s)
            finally:
                self.threads = None
        if s.key == "thread_extent":
            return self.bound(s)
        if s.key == "thread_allreduce":
            return self.lower(s.node, s.body)
        return self.generic_visit(s)

    def bound(self, s):
        self.enclosing.append(s.node.thread_tag)
        try:
            return self.generic_visit(s)
        finally:
            self.enclosing.pop()

    def lower(self, info, body):
        stores = collect(body, S.Store)
        if self.threads is None:
            raise LoweringError(f"{self.name}: the cross-thread reduction of '{info.stage}' lies "
                                "outside every GPU kernel")
        for tag in info.thread_tags:
            if tag not in self.threads:
                raise LoweringError(f"{self.name}: the reduction of '{info.stage}' is bound to "
                                    f"{tag}, which no enclosing loop binds")
        for tag in info.thread_tags:
            if self.enclosing.count(tag) > 1:
                raise LoweringError(
                    f"{self.name}: '{info.stage}' reduces across {tag}, but it is computed "
                    f"inside another stage's loop bound to {tag}, where each {tag} thread "
                    f"works on a different element; bind the reduction to another thread "
                    f"axis or compute '{info.stage}' outside that loop")
        reduce_tags = [t for t in _AXES if t in info.thread_tags]
        group_tags = [t for t in _AXES if t in self.threads and t not in info.thread_tags]
        r, count = self.rank(reduce_tags)
        g, groups = self.rank(group_tags)
        self.count += 1
        values = [s.value for s in stores]
        dtypes = [v.dtype for v in values]
        if count == 1:
            return S.seq(*[S.Store(s.buffer, s.value, s.index) for s in stores])
        if self.warp_size and self.warp_size > 1 and reduce_tags == ["threadIdx.x"] and _pow2(count) and \
                all(d in SHUFFLE_DTYPES for d in dtypes) and \
                (count <= self.warp_size or count % self.warp_size == 0) and \
                (count * groups) % self.warp_size == 0:
            return self.warp_tree(info, stores, r, count, g, groups)
        return self.shared_tree(info, stores, r, count, g, groups)

    def rank(self, tags):
        """(linear index of the thread over ``tags``, x fastest; their thread count)."""
        index, count = None, 1
        for tag in tags:
            var, extent = self.threads[tag]
            if not isinstance(extent, E.IntImm):
                raise LoweringError(f"{self.name}: {tag} has extent `{extent}`, not a constant")
            term = var if count == 1 else var * E.const(count, var.dtype)
            index = term if index is None else index + term
            count *= extent.value
        return (index if index is not None else E.const_index(0)), count

    def buffers(self, stores, size, what):
        return [Buffer(f"red_buf{self.count}_{k}" if what == "tree" else f"red_warp{self.count}_{k}",
                       s.value.dtype, (size,), "shared") for k, s in enumerate(stores)]

    def shared_tree(self, info, stores, r, count, g, groups):
        bufs = self.buffers(stores, count * groups, "tree")
        base = g * E.const(count, g.dtype) if groups > 1 else None
        at = (lambda i: i) if base is None else (lambda i: base + i)
        items = [S.Store(b, s.value, at(r)) for b, s in zip(bufs, stores)]
        items.append(barrier())
        power = 1
        while power * 2 <= count:
            power *= 2
        steps = []
        if power < count:
            steps.append((power, E.LT(r, E.const(count - power, r.dtype))))
        offset = power // 2
        while offset >= 1:
            steps.append((offset, E.LT(r, E.const(offset, r.dtype))))
            offset //= 2
        for offset, cond in steps:
            lhs = [E.Load(b.dtype, b, at(r)) for b in bufs]
            rhs = [E.Load(b.dtype, b, at(r + E.const(offset, r.dtype))) for b in bufs]
            items.append(S.IfThenElse(cond, _combine_into(info.combiner, bufs, at(r), lhs, rhs)))
            items.append(barrier())
        zero = E.const(0, r.dtype)
        for b, s in zip(bufs, stores):
            items.append(S.Store(s.buffer, E.Load(b.dtype, b, at(zero)), s.index))
        stmt = S.seq(*items)
        for b in reversed(bufs):
            stmt = S.Allocate(b, E.const_index(count * groups), stmt)
        return stmt

    def warp_tree(self, info, stores, r, count, g, groups):
        """Shuffles within each warp; across warps one shared value per warp."""
        warp = self.warp_size
        width = min(count, warp)
        temps = [Var(f"red_val{self.count}_{k}", s.value.dtype) for k, s in enumerate(stores)]
        lets = list(zip(temps, [s.value for s in stores]))
        items, values = [], list(temps)
        values, lets = self._shuffle_reduce(info, values, width, lets)
        if count > warp:
            warps = count // warp
            bufs = self.buffers(stores, warps * groups, "warp")
            wbase = g * E.const(warps, g.dtype) if groups > 1 else None
            at = (lambda i: i) if wbase is None else (lambda i: wbase + i)
            lane = E.FloorMod(r, E.const(warp, r.dtype))
            warp_id = E.FloorDiv(r, E.const(warp, r.dtype))
            writes = S.seq(*[S.Store(b, v, at(warp_id)) for b, v in zip(bufs, values)])
            items.append(S.IfThenElse(E.EQ(lane, E.const(0, r.dtype)), writes))
            items.append(barrier())
            second = [Var(f"red_warp_val{self.count}_{k}", b.dtype) for k, b in enumerate(bufs)]
            index = at(E.FloorMod(lane, E.const(warps, r.dtype)))
            lets2 = [(t, E.Load(b.dtype, b, index)) for t, b in zip(second, bufs)]
            values, lets2 = self._shuffle_reduce(info, second, warps, lets2)
            final = [E.Call(v.dtype, "tvm_warp_shuffle", (v, E.const(0, "int32"),
                                                          E.const(warps, "int32")))
                     for v in values]
            tail = S.seq(*[S.Store(s.buffer, f, s.index) for s, f in zip(stores, final)])
            for var, value in reversed(lets2):
                tail = S.LetStmt(var, value, tail)
            stmt = S.seq(*items, tail)
            for var, value in reversed(lets):
                stmt = S.LetStmt(var, value, stmt)
            for b in reversed(bufs):
                stmt = S.Allocate(b, E.const_index(warps * groups), stmt)
            return stmt
        final = [E.Call(v.dtype, "tvm_warp_shuffle", (v, E.const(0, "int32"),
                                                      E.const(width, "int32"))) for v in values]
        stmt = S.seq(*[S.Store(s.buffer, f, s.index) for s, f in zip(stores, final)])
        for var, value in reversed(lets):
            stmt = S.LetStmt(var, value, stmt)
        return stmt

    def _shuffle_reduce(self, info, values, width, lets):
        """Lets that fold ``values`` down to lane 0 of each ``width`` lanes."""
        offset = width // 2
        step = 0
        while offset >= 1:
            other = [E.Call(v.dtype, "tvm_warp_shuffle_down",
                            (v, E.const(offset, "int32"), E.const(width, "int32")))
                     for v in values]
            combined = info.combiner.combine(values, other)
            new = [Var(f"{v.name}_s{step}", v.dtype) for v in values]
            lets = lets + list(zip(new, combined))
            values = new
            offset //= 2
            step += 1
        return values, lets


def _combine_into(combiner, bufs, index, lhs, rhs):
    results = combiner.combine(lhs, rhs)
    if len(bufs) == 1:
        return S.Store(bufs[0], results[0], index)
    temps = [Var(f"{b.name}_new", b.dtype) for b in bufs]
    stmt = S.seq(*[S.Store(b, t, index) for b, t in zip(bufs, temps)])
    for t, v in reversed(list(zip(temps, results))):
        stmt = S.LetStmt(t, v, stmt)
    return stmt


def _pow2(n):
    return n > 0 and n & (n - 1) == 0


__all__ = ["lower_thread_allreduce", "dt"]

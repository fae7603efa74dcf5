"""split_host_device: a GPU function to device kernels and a host launch plan.

Takes a PrimFunc after :func:`~tecomp.transform.lower_thread_binding.lower_thread_binding`
and returns a :class:`HostProgram`. The host part may only be a sequence of
kernels and ``Allocate``\\ s of global temporaries (stages computed at the root
between kernels); each kernel is an outermost ``thread_extent`` attribute and
becomes a :class:`Kernel` with its own PrimFunc (the buffers and size variables
it uses as parameters) and its launch sizes as host expressions::

    allocate T[float32 * n]                 host:   T = device_alloc(n)
    attr [blockIdx.x] thread_extent = (n+63)/64      launch k0 grid=((n+63)/64) block=(64)
      attr [threadIdx.x] thread_extent = 64  ->      launch k1 ...
        T[...] = A[...]                     kernel k0(A, T, n): T[...] = A[...]
    attr [blockIdx.x] ... (C from T)        kernel k1(T, C, n): ...

Inside a kernel, a stage left in the default ("global") scope gets TVM's
inferred scope: "local" under a threadIdx binding, "shared" under blockIdx
only. Shared allocations are hoisted to the top of the kernel (OpenCL requires
``__local`` arrays at function scope), each buffer once even where loop
partitioning copied its allocation, and must have constant sizes whose sum
fits ``max_shared_bytes``.

Errors (:class:`~tecomp.errors.LoweringError`): computation outside every bound
loop (it would run on the host), "shared"/"local" storage outside a kernel,
shared memory that is symbolic or over the limit.
"""

from dataclasses import dataclass, field
from typing import Dict, List, Tuple

from ..errors import LoweringError
from ..ir import Buffer, PrimFunc, Var
from ..ir import dtype as dt
from ..ir import expr as E
from ..ir import stmt as S
from ..ir.functor import IRMutator, collect, free_vars
from ..target import GPU_MAX_SHARED_BYTES
from ..abi import abi_vars
from .lower_thread_binding import thread_extents

GRID_TAGS = ("blockIdx.x", "blockIdx.y", "blockIdx.z")
BLOCK_TAGS = ("threadIdx.x", "threadIdx.y", "threadIdx.z")


@dataclass(eq=False)
class Kernel:
    """One device kernel: ``func`` (params: buffers, then scalar vars) and its
    launch sizes, ``grid``/``block`` as 3 host expressions each."""
    func: PrimFunc
    grid: Tuple[E.PrimExpr, ...]
    block: Tuple[E.PrimExpr, ...]
    shared_bytes: int

    @property
    def name(self):
        return self.func.name

    def threads_per_block(self):
        total = 1
        for e in self.block:
            total *= e.value
        return total

    def shared_layout(self, align=16):
        """``({buffer: byte offset}, total bytes)`` of the kernel's shared buffers
        laid out one after another in one dynamic shared array, each at a multiple
        of ``align`` bytes (CUDA's ``extern __shared__`` above the static 48 KiB)."""
        offsets, total = {}, 0
        body = self.func.body
        while isinstance(body, S.Allocate) and body.buffer.scope == "shared":
            offsets[body.buffer] = total
            size = body.extent.value * _bytes_of(body.buffer.dtype)
            total += -(-size // align) * align
            body = body.body
        return offsets, total


@dataclass(eq=False)
class Launch:
    kernel: Kernel
    args: Tuple[object, ...]        # Buffers (parameters or temporaries) and Vars


@dataclass(eq=False)
class HostLoop:
    """A serial loop on the host (a scan's time loop): run ``launches`` (Launches
    and HostLoops) with ``var`` = ``min``, ``min + 1``, ... ``min + extent - 1``;
    kernels inside it take ``var`` as a scalar argument."""
    var: Var
    min: E.PrimExpr
    extent: E.PrimExpr
    launches: List[object]


@dataclass(eq=False)
class HostProgram:
    """What the host does for one function: allocate ``temps`` (Buffer -> element
    count expression) on the device, then run ``launches`` (:class:`Launch` or
    :class:`HostLoop`) in order."""
    func: PrimFunc
    kernels: List[Kernel]
    launches: List[Launch]
    temps: Dict[Buffer, E.PrimExpr] = field(default_factory=dict)

    def __str__(self):
        lines = [f"// host {self.func.name}: temporaries "
                 + (", ".join(f"{b.name}[{n}]" for b, n in self.temps.items()) or "none")]
        for k in self.kernels:
            lines.append(f"// kernel {k.name}: grid=({', '.join(map(str, k.grid))}) "
                         f"block=({', '.join(map(str, k.block))})")
            lines.append(str(k.func))
        return "\n".join(lines)


def split_host_device(func, max_shared_bytes=GPU_MAX_SHARED_BYTES):
    """Split ``func`` into a :class:`HostProgram` of kernels."""
    return _Splitter(func, max_shared_bytes).run()


def _bytes_of(dtype):
    return max(1, dt.bits_of(dtype) // 8) * dt.lanes_of(dtype)


def _stores_in(stmt):
    names = [s.buffer.name for s in collect(stmt, S.Store)]
    return ", ".join(dict.fromkeys(names)) or "nothing"


class _Splitter:
    def __init__(self, func, max_shared_bytes):
        self.func = func
        self.max_shared = max_shared_bytes
        self.program = HostProgram(func, [], [])
        self.abi = abi_vars(func)
        self.launches = self.program.launches     # where the next launch goes
        self.host_loop_vars = []                  # host loops around it

    def run(self):
        self.host(self.func.body)
        return self.program

    def host(self, stmt):
        if isinstance(stmt, S.SeqStmt):
            for item in stmt.seq:
                self.host(item)
        elif isinstance(stmt, S.Allocate):
            if stmt.buffer.scope in ("shared", "local"):
                raise LoweringError(
                    f"{self.func.name}: '{stmt.buffer.name}' has scope '{stmt.buffer.scope}' "
                    "but is computed outside every GPU kernel (at the root); compute_at it "
                    "inside a loop bound to blockIdx (shared) or threadIdx (local)")
            self.program.temps[stmt.buffer] = stmt.extent
            self.host(stmt.body)
        elif isinstance(stmt, S.AttrStmt) and stmt.key == "thread_extent":
            self.kernel(stmt)
        elif isinstance(stmt, S.For) and stmt.loop_var in self.func.attrs.get("host_loops", ()):
            loop = HostLoop(stmt.loop_var, stmt.min, stmt.extent, [])
            self.launches.append(loop)
            saved, self.launches = self.launches, loop.launches
            self.host_loop_vars.append(stmt.loop_var)
            try:
                self.host(stmt.body)
            finally:
                self.launches = saved
                self.host_loop_vars.pop()
        elif isinstance(stmt, S.For):
            raise LoweringError(
                f"{self.func.name}: loop '{stmt.loop_var.name}' (writing {_stores_in(stmt)}) is "
                "not bound to a GPU thread axis, so it would run on the host; bind the outer "
                "loops of every stage, e.g. bx, tx = s[C].split(C.op.axis[0], factor=64); "
                "s[C].bind(bx, te.thread_axis('blockIdx.x')); s[C].bind(tx, "
                "te.thread_axis('threadIdx.x'))")
        elif isinstance(stmt, S.SeqStmt) or stmt is None:
            return
        else:
            raise LoweringError(
                f"{self.func.name}: a {type(stmt).__name__} (writing {_stores_in(stmt)}) lies "
                "outside every loop bound to a GPU thread axis, so it would run on the host; "
                "bind the stage's loops with s[...].bind(axis, te.thread_axis(...))")

    def kernel(self, stmt):
        index = len(self.program.kernels)
        name = f"{self.func.name}_kernel{index}"
        body = _Rescope().visit(stmt)
        shared = []
        body = _HoistShared(shared).visit(body)
        total = 0
        for alloc in shared:
            if not isinstance(alloc.extent, E.IntImm):
                raise LoweringError(f"{name}: shared buffer '{alloc.buffer.name}' has size "
                                    f"`{alloc.extent}`, not a constant; split with constant "
                                    "factors so the tile size is known")
            total += alloc.extent.value * _bytes_of(alloc.buffer.dtype)
        if total > self.max_shared:
            sizes = ", ".join(f"{a.buffer.name}: {a.extent.value * _bytes_of(a.buffer.dtype)}"
                              for a in shared)
            raise LoweringError(f"{name}: uses {total} bytes of shared memory ({sizes}), over "
                                f"the limit of {self.max_shared} bytes per block of the target "
                                "(CUDA: the opt-in maximum of its -arch; OpenCL: the device's "
                                "local memory; or -max_shared_memory_per_block); use smaller "
                                "tiles")
        for alloc in reversed(shared):
            body = S.Allocate(alloc.buffer, alloc.extent, body)
        extents = thread_extents(body)
        one = E.const_index(1)
        grid = tuple(extents.get(t, one) for t in GRID_TAGS)
        block = tuple(extents.get(t, one) for t in BLOCK_TAGS)
        known = list(self.abi) + self.host_loop_vars
        for e in grid:
            extra = [v for v in free_vars(e) if v not in known]
            if extra:
                raise LoweringError(f"{name}: the grid size `{e}` depends on '{extra[0].name}', "
                                    "which the host does not know; bind blockIdx only to "
                                    "outermost loops")
        buffers = self._buffers_used(body)
        used = free_vars(body)
        scalars = tuple(v for v in known if v in used)
        kfunc = PrimFunc(name, tuple(buffers) + scalars, body,
                         {"target_kind": "gpu", "host_func": self.func.name})
        kernel = Kernel(kfunc, grid, block, total)
        self.program.kernels.append(kernel)
        self.launches.append(Launch(kernel, tuple(buffers) + scalars))

    def _buffers_used(self, body):
        used = set()
        for n in collect(body, (E.Load, S.Store)):
            used.add(n.buffer)
        params = [b for b in self.func.buffer_params if b in used]
        temps = [b for b in self.program.temps if b in used]
        return params + temps


class _Rescope(IRMutator):
    """Global-scope allocations inside a kernel get TVM's inferred scope."""

    def __init__(self):
        self.in_threads = False
        self.mapping = {}

    def visit_AttrStmt(self, s):
        if s.key == "thread_extent" and s.node.thread_tag.startswith("threadIdx") \
                and not self.in_threads:
            self.in_threads = True
            try:
                return self.generic_visit(s)
            finally:
                self.in_threads = False
        return self.generic_visit(s)

    def visit_Allocate(self, s):
        if s.buffer.scope == "global":
            b = s.buffer
            new = Buffer(b.name, b.dtype, b.shape, "local" if self.in_threads else "shared")
            self.mapping[b] = new
            body = self.visit(s.body)
            return S.Allocate(new, s.extent, body)
        return self.generic_visit(s)

    def visit_Load(self, e):
        e = self.generic_visit(e)
        new = self.mapping.get(e.buffer)
        return e if new is None else E.Load(e.dtype, new, e.index, e.predicate)

    def visit_Store(self, s):
        s = self.generic_visit(s)
        new = self.mapping.get(s.buffer)
        return s if new is None else S.Store(new, s.value, s.index, s.predicate)


class _HoistShared(IRMutator):
    def __init__(self, found):
        self.found = found

    def visit_Allocate(self, s):
        body = self.visit(s.body)
        if s.buffer.scope == "shared":
            # Loop partitioning copies a loop body, and so its allocations: the
            # same buffer is declared once, at the top of the kernel.
            if not any(a.buffer is s.buffer for a in self.found):
                self.found.append(s)
            return body
        return s if body is s.body else S.Allocate(s.buffer, s.extent, body)


__all__ = ["split_host_device", "HostLoop", "HostProgram", "Kernel", "Launch", "Var"]

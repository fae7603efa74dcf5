"""lower_thread_binding: GPU-bound loops to ``thread_extent`` attributes.

Takes a lowered :class:`~tecomp.ir.stmt.PrimFunc` whose bound loops are
``For(kind="thread_binding", thread_tag=...)`` and returns it with each such loop
replaced by ``AttrStmt(IterVar, "thread_extent", extent, body)``: on a GPU every
thread of the launch runs the body once, with the loop variable equal to its
thread index. A *kernel* is an outermost bound loop and everything inside it; in
one kernel every loop bound to the same tag (several stages may bind
``threadIdx.x``) becomes the same variable, so they must agree on the extent::

    thread_binding (bx, 0, 8) // blockIdx.x {       // attr [blockIdx.x] thread_extent = 8
      thread_binding (tx, 0, 64) // threadIdx.x {   // attr [threadIdx.x] thread_extent = 64
        C[bx*64 + tx] = ...                     ->  C[blockIdx.x*64 + threadIdx.x] = ...

``vthread`` loops are interleaved before this pass
(:mod:`tecomp.transform.inject_virtual_thread`); any met here become unrolled
serial loops (each thread runs the virtual threads one after another). Errors (:class:`~tecomp.errors.LoweringError`): one
tag bound with two different extents in a kernel, a ``threadIdx`` extent that is
not a constant, more threads per block than ``max_threads``. TVM's equivalent is
the thread-extent part of ``ScheduleOps`` plus ``VerifyGPUCode``'s thread checks.
"""

from ..arith import Analyzer
from ..errors import LoweringError
from ..ir import expr as E
from ..ir import stmt as S
from ..ir.expr import IterVar, IterVarType, Range, Var
from ..ir.functor import IRMutator, collect, substitute
from ..target import GPU_MAX_THREADS

#: per-dimension block-size limits (CUDA's; OpenCL devices report their own at run time)
MAX_BLOCK_DIM = {"threadIdx.x": 1024, "threadIdx.y": 1024, "threadIdx.z": 64}


def lower_thread_binding(func, max_threads=GPU_MAX_THREADS):
    """``func`` with bound loops as ``thread_extent`` attributes (a new PrimFunc,
    or the same object when it has no bound loop)."""
    lowering = _Lowering(func.name, max_threads)
    body = lowering.visit(func.body)
    return func if body is func.body else func.with_body(body)


def thread_extents(stmt):
    """``{tag: extent}`` of the ``thread_extent`` attributes in ``stmt``."""
    found = {}
    for attr in collect(stmt, lambda n: isinstance(n, S.AttrStmt) and n.key == "thread_extent"):
        found.setdefault(attr.node.thread_tag, attr.value)
    return found


class _Lowering(IRMutator):
    def __init__(self, name, max_threads):
        self.name = name
        self.max_threads = max_threads
        self.kernel = None          # tag -> (IterVar, extent, loop name) inside a kernel
        self.analyzer = Analyzer()

    def visit_For(self, loop):
        if loop.kind != S.ForKind.THREAD_BINDING:
            return self.generic_visit(loop)
        tag = loop.thread_tag
        if tag.startswith("vthread"):
            return S.For(loop.loop_var, loop.min, loop.extent, S.ForKind.UNROLLED,
                         self.visit(loop.body))
        if self.kernel is not None:
            return self._bind(loop)
        self.kernel = {}
        try:
            result = self._bind(loop)
            self._check_block_size()
        finally:
            self.kernel = None
        return result

    def _bind(self, loop):
        tag = loop.thread_tag
        extent = self.analyzer.simplify(loop.extent)
        stores = [n.buffer.name for n in collect(loop.body, S.Store)]
        name = f"{loop.loop_var.name}' writing '{', '.join(dict.fromkeys(stores))}"
        if tag.startswith("threadIdx") and not isinstance(extent, E.IntImm):
            raise LoweringError(
                f"{self.name}: loop '{name}' is bound to {tag} with extent `{extent}`, which is "
                "not a constant; the block size must be known when compiling, so split the "
                "axis by a constant factor and bind the inner part to the thread axis")
        seen = self.kernel.get(tag)
        if seen is None:
            iv = IterVar(Range(E.const_index(0), extent), Var(tag), IterVarType.THREAD_INDEX, tag)
            self.kernel[tag] = (iv, extent, name)
        else:
            iv, other, other_name = seen
            if not self.analyzer.can_prove(E.EQ(other, extent)):
                raise LoweringError(
                    f"{self.name}: thread axis {tag} is bound with two different extents in "
                    f"one kernel: `{other}` (loop '{other_name}') and `{extent}` (loop "
                    f"'{name}'); every loop bound to {tag} must have the same extent, so split "
                    "them by the same factor")
        value = iv.var if E.is_const_int(loop.min, 0) else E.Add(iv.var, loop.min)
        body = self.visit(substitute(loop.body, {loop.loop_var: value}))
        return S.AttrStmt(iv, "thread_extent", extent, body)

    def _check_block_size(self):
        threads, dims = 1, []
        for tag, (_, extent, name) in sorted(self.kernel.items()):
            if not tag.startswith("threadIdx"):
                continue
            limit = MAX_BLOCK_DIM[tag]
            if extent.value > limit:
                raise LoweringError(f"{self.name}: {tag} has extent {extent.value} (loop "
                                    f"'{name}'), over the limit of {limit} for that dimension")
            threads *= extent.value
            dims.append(f"{tag}={extent.value}")
        if threads > self.max_threads:
            raise LoweringError(
                f"{self.name}: {threads} threads per block ({', '.join(dims)}) is over the "
                f"limit of {self.max_threads}; bind smaller inner loops to the threadIdx axes "
                "(split by a smaller factor)")

"""Statement nodes of tecomp's IR and the lowered function, :class:`PrimFunc`.

Before storage flattening a program reads and writes tensors (``TensorRead`` /
``Provide``) inside ``Realize`` regions; after it, ``Load``/``Store`` address
one-dimensional buffers made by ``Allocate`` or passed as parameters.
``For`` loops run ``loop_var`` over ``[min, min + extent)``; their ``kind`` says how
(serially, in parallel threads, as vector lanes, unrolled, or bound to a GPU
thread index named by ``thread_tag``).
"""

from dataclasses import dataclass, field
from typing import Optional, Tuple

from .buffer import Buffer
from .expr import PrimExpr, Range, Var

node = dataclass(frozen=True, slots=True, eq=False, repr=False)


class Stmt:
    __slots__ = ()

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return _printer.stmt_to_str(self)

    __str__ = __repr__


class ForKind:
    SERIAL = "serial"
    PARALLEL = "parallel"
    VECTORIZED = "vectorized"
    UNROLLED = "unrolled"
    THREAD_BINDING = "thread_binding"


@node
class For(Stmt):
    loop_var: Var
    min: PrimExpr
    extent: PrimExpr
    kind: str
    body: Stmt
    thread_tag: str = ""


@node
class LetStmt(Stmt):
    var: Var
    value: PrimExpr
    body: Stmt


#: AttrStmt key around the body of a double-buffered stage's Realize (its node the tensor)
DOUBLE_BUFFER_SCOPE = "double_buffer_scope"
#: AttrStmt key at the top of a loop's body (its node a tensor, its value an
#: offset of iterations): prefetch what iteration ``loop_var + offset`` of the
#: body reads of the tensor (``Stage.prefetch``; consumed by ``inject_prefetch``)
PREFETCH_SCOPE = "prefetch_scope"


@node
class AttrStmt(Stmt):
    """Annotates ``body``: ``thread_extent`` (a GPU thread axis and its size),
    ``pragma_<name>``, ``storage_alignment``."""
    node: object
    key: str
    value: PrimExpr
    body: Stmt


@node
class AssertStmt(Stmt):
    condition: PrimExpr
    message: str
    body: Stmt


@node
class Store(Stmt):
    buffer: object
    value: PrimExpr
    index: PrimExpr
    predicate: Optional[PrimExpr] = None


@node
class Provide(Stmt):
    """``tensor[indices] = value`` in the tensor-expression language."""
    tensor: object
    value: PrimExpr
    indices: Tuple[PrimExpr, ...]


@node
class Allocate(Stmt):
    """Storage for ``buffer`` (``extent`` elements) live within ``body``."""
    buffer: object
    extent: PrimExpr
    body: Stmt


@node
class Realize(Stmt):
    """The region ``bounds`` of ``tensor`` is computed and stored within ``body``."""
    tensor: object
    bounds: Tuple[Range, ...]
    scope: str
    body: Stmt


@node
class IfThenElse(Stmt):
    condition: PrimExpr
    then_case: Stmt
    else_case: Optional[Stmt] = None


@node
class SeqStmt(Stmt):
    seq: Tuple[Stmt, ...]


@node
class Evaluate(Stmt):
    value: PrimExpr


@dataclass(eq=False, frozen=True)
class ThreadAllReduce:
    """The ``node`` of ``AttrStmt(..., "thread_allreduce", 0, body)``: every store
    of ``body`` (``red_k[0] = value_k``, one per output of ``combiner``) gets the
    combination of ``value_k`` over the threads of ``thread_tags`` (the block's
    other thread indices reduce separately). Every thread of the block must reach
    it; :func:`~tecomp.transform.lower_thread_allreduce.lower_thread_allreduce`
    lowers it. TVM's ``tvm_thread_allreduce``."""
    combiner: object
    thread_tags: Tuple[str, ...]
    stage: str


def seq(*stmts):
    """A sequence with nested sequences flattened and ``None`` dropped."""
    flat = []
    for s in stmts:
        if s is None:
            continue
        if isinstance(s, SeqStmt):
            flat.extend(s.seq)
        else:
            flat.append(s)
    if len(flat) == 1:
        return flat[0]
    return SeqStmt(tuple(flat))


def no_op():
    return SeqStmt(())


@dataclass(eq=False)
class PrimFunc:
    """A lowered function.

    ``params`` lists :class:`~tecomp.ir.buffer.Buffer` objects (the tensors, in the
    user's argument order) followed by the scalar :class:`Var` objects (symbolic
    sizes and scalar arguments). The native ABI is the same:
    ``int32 name(T0 *p0, ..., int64 v0, ...)``, returning 0 on success.
    ``attrs`` carries target facts (``"target"``, GPU launch data).
    """
    name: str
    params: Tuple[object, ...]
    body: Stmt
    attrs: dict = field(default_factory=dict)

    @property
    def buffer_params(self):
        return tuple(p for p in self.params if isinstance(p, Buffer))

    @property
    def scalar_params(self):
        return tuple(p for p in self.params if isinstance(p, Var))

    def with_body(self, body):
        return PrimFunc(self.name, self.params, body, dict(self.attrs))

    def __str__(self):
        return _printer.func_to_str(self)

    __repr__ = __str__


# The printer builds on the statement classes above: imported after them.
from . import printer as _printer  # noqa: E402

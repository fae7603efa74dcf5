"""well_formed: structural checks of a function between passes.

``well_formed(func, flattened)`` returns ``func`` unchanged or raises
:class:`~tecomp.errors.InternalError` naming the function and the broken rule.
It is the compiler checking itself (a user's program never makes it fail), run
after every pass of :func:`tecomp.lower` and :func:`tecomp.lower_for_target`
when ``TECOMP_CHECK_IR=1`` (the test suite sets it):

* every variable is defined before use: a parameter, a variable in a buffer
  parameter's shape, or bound by an enclosing ``For``, ``LetStmt``, ``Let``,
  ``thread_extent`` attribute or ``Reduce`` axis;
* no variable is bound twice on one path (loops and lets may shadow nothing;
  a ``thread_extent`` inside another of the same thread index is the same
  binding, as when a cooperative fetch is nested in its consumer's kernel);
* dtypes agree: a ``Store``'s value has the buffer's element type, conditions
  are ``bool``, a loop's bounds have its variable's dtype, a ``Let``'s value
  its variable's;
* after flattening (``flattened=True``) no ``TensorRead``, ``Provide`` or
  ``Realize`` is left and every buffer accessed is a parameter or allocated
  around the access;
* a thread variable (``threadIdx.x``...) is used only inside its
  ``thread_extent`` attribute, i.e. inside its kernel.
"""

from ..errors import InternalError
from . import dtype as dt
from . import expr as E
from . import stmt as S
from .buffer import Buffer
from .functor import IRVisitor, collect


def well_formed(func, flattened=True):
    """Check ``func`` (a PrimFunc); return it unchanged."""
    defined = set()
    for p in func.params:
        if isinstance(p, Buffer):
            for extent in p.shape:
                defined.update(collect(extent, E.Var))
        elif isinstance(p, E.Var):
            defined.add(p)
    buffers = {p for p in func.params if isinstance(p, Buffer)}
    _Checker(func.name, defined, buffers, flattened).visit(func.body)
    return func


class _Checker(IRVisitor):
    def __init__(self, name, defined, buffers, flattened):
        self.name = name
        self.defined = defined
        self.buffers = buffers
        self.flattened = flattened
        self.threads = set()     # thread variables bound by enclosing thread_extents
        self.thread_loops = {}   # variable -> tag of the enclosing thread_binding loops

    def fail(self, message):
        raise InternalError(f"{self.name}: ill-formed IR: {message}")

    def bind(self, var, what):
        if var in self.defined:
            self.fail(f"variable '{var.name}' is bound again by {what}")
        self.defined.add(var)

    def scoped(self, var, what, visit_body):
        self.bind(var, what)
        try:
            visit_body()
        finally:
            self.defined.discard(var)

    def condition(self, cond, where):
        if dt.element_of(cond.dtype) != "bool":
            self.fail(f"the condition of {where} has dtype {cond.dtype}, not bool")

    # ------------------------------------------------------------ expressions
    def visit_Var(self, v):
        if v not in self.defined:
            self.fail(f"variable '{v.name}' is used outside the scope that defines it")

    def visit_Let(self, e):
        self.visit(e.value)
        if e.value.dtype != e.var.dtype:
            self.fail(f"let '{e.var.name}' ({e.var.dtype}) is given a {e.value.dtype} value")
        self.scoped(e.var, "a let", lambda: self.visit(e.body))

    def visit_Reduce(self, e):
        axes = [iv.var for iv in e.axis]
        for iv in e.axis:
            self.visit(iv.dom.min)
            self.visit(iv.dom.extent)
        for v in axes:
            self.bind(v, "a reduction axis")
        try:
            for s in e.source:
                self.visit(s)
            if e.condition is not None:
                self.visit(e.condition)
        finally:
            for v in axes:
                self.defined.discard(v)

    def visit_TensorRead(self, e):
        if self.flattened:
            self.fail(f"tensor '{e.tensor.name}' is read after storage flattening")
        for i in e.indices:
            self.visit(i)

    def visit_Load(self, e):
        self.access(e.buffer, "load from")
        self.visit(e.index)
        if e.predicate is not None:
            self.visit(e.predicate)

    def visit_Select(self, e):
        self.condition(e.condition, "a select")
        self.generic_visit(e)

    # ------------------------------------------------------------ statements
    def visit_For(self, s):
        self.visit(s.min)
        self.visit(s.extent)
        for end in (s.min, s.extent):
            if end.dtype != s.loop_var.dtype:
                self.fail(f"loop '{s.loop_var.name}' ({s.loop_var.dtype}) has a {end.dtype} "
                          "bound")
        if s.kind == S.ForKind.THREAD_BINDING and s.loop_var in self.defined and \
                self.thread_loops.get(s.loop_var) == s.thread_tag:
            # a stage inside another binds the same thread axis object (TVM's
            # tutorials reuse one te.thread_axis): the same thread index
            self.visit(s.body)
            return
        if s.kind == S.ForKind.THREAD_BINDING:
            self.thread_loops[s.loop_var] = s.thread_tag
        try:
            self.scoped(s.loop_var, "a loop", lambda: self.visit(s.body))
        finally:
            self.thread_loops.pop(s.loop_var, None)

    def visit_LetStmt(self, s):
        self.visit(s.value)
        if s.value.dtype != s.var.dtype:
            self.fail(f"let '{s.var.name}' ({s.var.dtype}) is given a {s.value.dtype} value")
        self.scoped(s.var, "a let", lambda: self.visit(s.body))

    def visit_AttrStmt(self, s):
        self.visit(s.value)
        if s.key == "buffer_bind_scope":   # defines the declared buffer's variables
            decl = s.node[0]
            fields = (decl.elem_offset,) + tuple(decl.shape) + tuple(decl.strides)
            new = {v for f in fields for v in collect(f, E.Var)}
            new -= self.defined
            self.defined |= new
            try:
                self.visit(s.body)
            finally:
                self.defined -= new
            return
        if s.key == "thread_extent" and isinstance(s.node, E.IterVar):
            var = s.node.var
            if var in self.threads:     # a nested stage of the kernel binds it again
                self.visit(s.body)
                return
            self.threads.add(var)
            try:
                self.scoped(var, f"thread_extent of {var.name}", lambda: self.visit(s.body))
            finally:
                self.threads.discard(var)
        else:
            self.visit(s.body)

    def visit_AssertStmt(self, s):
        self.condition(s.condition, "an assert")
        self.visit(s.condition)
        self.visit(s.body)

    def visit_IfThenElse(self, s):
        self.condition(s.condition, "an if")
        self.generic_visit(s)

    def visit_Store(self, s):
        self.access(s.buffer, "store to")
        if dt.element_of(s.value.dtype) != dt.element_of(s.buffer.dtype):
            self.fail(f"a {s.value.dtype} value is stored to '{s.buffer.name}' "
                      f"({s.buffer.dtype})")
        self.visit(s.value)
        self.visit(s.index)
        if s.predicate is not None:
            self.visit(s.predicate)

    def visit_Allocate(self, s):
        self.visit(s.extent)
        self.buffers.add(s.buffer)
        try:
            self.visit(s.body)
        finally:
            self.buffers.discard(s.buffer)

    def visit_Provide(self, s):
        if self.flattened:
            self.fail(f"tensor '{s.tensor.name}' is written after storage flattening")
        self.generic_visit(s)

    def visit_Realize(self, s):
        if self.flattened:
            self.fail(f"tensor '{s.tensor.name}' is realized after storage flattening")
        self.generic_visit(s)

    def access(self, buffer, what):
        if self.flattened and buffer not in self.buffers:
            self.fail(f"{what} buffer '{buffer.name}', which is neither a parameter nor "
                      "allocated around the access")


__all__ = ["well_formed"]

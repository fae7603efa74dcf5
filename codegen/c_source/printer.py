"""The C-family kernel printer (TVM's ``CodeGenC`` with ``CodeGenCUDA`` /
``CodeGenOpenCL`` hooks, as tables on a :class:`~codegen.c_source.dialect.Dialect`).

Binary expressions are fully parenthesized. Integer ``//`` and ``%`` (floor
semantics) call small helper functions emitted before the kernels; truncating
division is C's own ``/``. Thread-index variables print as the dialect's builtin
cast to the index type. Vector statements (``Ramp``/``Broadcast`` from a
vectorized loop) are printed lane by lane, except their memory accesses: a load
or store of consecutive elements (a ``Ramp`` of stride 1) whose element type and
lane count the dialect has a vector type for is one vector access (CUDA
``*(float4*)p``, OpenCL ``vload4``/``vstore4``). CUDA needs the address aligned to
the vector's size: the access is a vector one only where the offset is provably a
multiple of the lanes (device allocations are aligned; a shared or local array
with vector accesses is declared ``__align__``), else it is printed lane by lane.
A vector load under a condition (``select``, ``if_then_else``, a predicate) stays
lane by lane, so that an out-of-bounds lane is never read.

A CUDA kernel whose shared buffers exceed the 48 KiB a kernel may declare
statically gets them as pointers into one ``extern __shared__`` array
(:meth:`~tecomp.transform.split_host_device.Kernel.shared_layout`); the runtime
launches it with that many bytes of dynamic shared memory, after raising the
kernel's ``MAX_DYNAMIC_SHARED_SIZE_BYTES``.

Integer widths are the IR's, whatever C's promotions do: every arithmetic result
of a narrow integer type (8 and 16 bits) is cast back to that type, so it wraps as
on the CPU; both operands of an integer ``min``/``max`` are cast to the result
type (OpenCL has no mixed-type overloads). Float ``Min``/``Max`` propagate NaN as
numpy's ``minimum``/``maximum`` do (see :mod:`tecomp.ir.expr`), through small
helper functions.

With ``narrow_index`` the 64-bit index type prints as ``int`` in *index
positions* only: load and store offsets, loop variables and bounds, thread
indices (the backends choose it when every buffer and launch size is a constant
below 2**30, so no index can overflow). A user's ``int64`` value is never
narrowed: in a value position an index variable is widened (``(long)i``) and
``int64`` constants carry the ``L`` suffix, except in a comparison (a guard) whose
``int64`` operands provably stay within ``int`` at every step, given the loop and
thread ranges; a ``let`` is declared ``int`` on the same proof.
"""

import math

from tecomp.arith import Analyzer
from tecomp.errors import BuildError
from tecomp.ir import Buffer
from tecomp.ir import dtype as dt
from tecomp.ir import expr as E
from tecomp.ir import stmt as S
from tecomp.ir.functor import collect, substitute
from tecomp.ir.printer import INFIX, TextPrinter

_INFIX = INFIX
_BITWISE = {"bitwise_and": "&", "bitwise_or": "|", "bitwise_xor": "^", "shift_left": "<<",
            "shift_right": ">>"}
_RESERVED = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
    "union", "unsigned", "void", "volatile", "while", "bool", "true", "false", "half", "min",
    "max", "threadIdx", "blockIdx", "blockDim", "gridDim", "warpSize", "global", "local",
    "kernel", "constant", "private", "barrier", "main", "new", "delete", "class", "this",
    "template", "typename", "namespace", "operator", "exp", "log", "sqrt", "abs", "pow"}


def print_kernels(kernels, dialect, narrow_index=False):
    """C source of ``kernels`` (:class:`~tecomp.transform.split_host_device.Kernel`)."""
    printer = CSourcePrinter(dialect, narrow_index)
    bodies = [printer.kernel(k) for k in kernels]
    head = list(dialect.preamble(printer.dtypes)) + printer.helper_lines()
    return "\n".join(head + ([""] if head else []) + bodies)


_NARROW_INTS = {"int8", "int16", "uint8", "uint16"}


class CSourcePrinter(TextPrinter):
    def __init__(self, dialect, narrow_index=False):
        super().__init__()
        self.d = dialect
        self.narrow = narrow_index
        self.in_index = False       # printing a load/store offset or a loop bound
        self.narrow_vars = set()    # int64 variables declared as int (loops, threads)
        self.helpers = {}           # name -> source lines
        self.declarations = []      # variables of printed lets, for the next line
        self.dtypes = set()

    # ------------------------------------------------------------ types and names
    def ctype(self, dtype):
        """The C type of ``dtype`` where it is printed now (``int64`` is ``int``
        in an index position of a narrow-index kernel)."""
        if self.narrow and self.in_index and dtype == "int64":
            dtype = "int32"
        self.dtypes.add(dtype)
        return self.d.type_name(dtype)

    def index(self, e):
        """``e`` printed as an index: a load or store offset, a loop bound."""
        saved, self.in_index = self.in_index, True
        try:
            return self.expr(e)
        finally:
            self.in_index = saved

    def value(self, e):
        """``e`` printed as a value, in its own width."""
        saved, self.in_index = self.in_index, False
        try:
            return self.expr(e)
        finally:
            self.in_index = saved

    def loop_ctype(self, var):
        """The declared type of a loop variable or scalar parameter (``int`` when
        narrowed)."""
        if self.narrow and var.dtype == "int64":
            self.narrow_vars.add(var)
            return self.d.type_name("int32")
        return self.ctype(var.dtype)

    def param_ctype(self, var):
        """The C type a scalar kernel parameter is declared (and passed) with:
        ``int`` for an int64 one in a narrow-index kernel, as the host passes it."""
        return self.loop_ctype(var)

    def name_of(self, obj, base):
        if obj in self.names:
            return self.names[obj]
        clean = "".join(c if c.isalnum() or c == "_" else "_" for c in base) or "v"
        if clean[0].isdigit():
            clean = "v" + clean
        if clean in _RESERVED:
            clean += "_"
        return self.unique_name(obj, clean)

    # ------------------------------------------------------------ kernels
    def kernel(self, kernel):
        self.names, self.taken, self.thread_vars = {}, set(), {}
        self.narrow_vars, self.in_index = set(), False
        self.analyzer = Analyzer()
        self.lines, self.indent = [], 1
        func = kernel.func
        self.dynamic_shared = {}        # buffer -> byte offset in the dynamic shared array
        limit = self.d.static_shared_limit
        if limit is not None and kernel.shared_bytes > limit:
            self.dynamic_shared, _ = kernel.shared_layout()
            self.line(self.d.dynamic_shared_declaration())
        written = {s.buffer for s in collect(func.body, S.Store)}
        self.vector_buffers = {}    # buffer -> bytes of its widest vector access
        for n in collect(func.body, (S.Store, E.Load)):
            if isinstance(n.index, E.Ramp):
                size = n.index.lanes * dt.bits_of(n.buffer.dtype) // 8
                self.vector_buffers[n.buffer] = max(size, self.vector_buffers.get(n.buffer, 0))
        params = []
        for p in func.params:
            if isinstance(p, Buffer):
                const = "" if p in written else "const "
                quals = f"{self.d.global_qualifier} " if self.d.global_qualifier else ""
                params.append(f"{quals}{const}{self.d.storage_type(p.dtype)}* "
                              f"{self.d.restrict} {self.name_of(p, p.name)}")
                self.dtypes.add(p.dtype)
            else:
                params.append(f"{self.param_ctype(p)} {self.name_of(p, p.name)}")
        self.stmt(func.body)
        bounds = self.d.launch_bounds(kernel)
        head = f"{self.d.kernel_prefix} {bounds}{func.name}({', '.join(params)}) {{"
        return "\n".join([head] + self.lines + ["}", ""])

    def helper_lines(self):
        lines = []
        for body in self.helpers.values():
            lines += body
        return lines

    # ------------------------------------------------------------ statements
    def unsupported(self, s):
        raise BuildError(f"{self.d.name}: cannot print a {type(s).__name__} in a kernel")

    def stmt_AttrStmt(self, s):
        if s.key != "thread_extent":
            self.stmt(s.body)
            return
        var = s.node.var
        self.thread_vars[var] = s.node.thread_tag
        with self.analyzer.scope(var, E.Range(E.const_index(0), s.value)):
            self.stmt(s.body)

    def stmt_For(self, s):
        if s.kind == S.ForKind.THREAD_BINDING:
            raise BuildError(f"{self.d.name}: loop '{s.loop_var.name}' is still a thread "
                             "binding; run lower_thread_binding first")
        var = self.name_of(s.loop_var, s.loop_var.name)
        t = self.loop_ctype(s.loop_var)
        lo = self.index(s.min)
        end = self.index(s.extent) if E.is_const_int(s.min, 0) else \
            f"({lo} + {self.index(s.extent)})"
        if s.kind in (S.ForKind.UNROLLED, S.ForKind.VECTORIZED):
            self.flush_declarations()       # the pragma must stay next to its loop
            self.line(self.d.unroll_pragma)
        with self.analyzer.scope(s.loop_var, E.Range(s.min, s.extent)):
            self.block(f"for ({t} {var} = {lo}; {var} < {end}; ++{var})", s.body)

    def stmt_LetStmt(self, s):
        # int only where the value provably fits: a let may hold a user's int64 value
        if self.narrow and s.var.dtype == "int64" and self.fits_int(s.value):
            self.narrow_vars.add(s.var)
            t, value = self.d.type_name("int32"), self.index(s.value)
        else:
            t, value = self.d.type_name(s.var.dtype), self.value(s.value)
        self.dtypes.add(s.var.dtype)
        self.line(f"const {t} {self.name_of(s.var, s.var.name)} = {value};")
        with self.analyzer.scope(s.var, s.value):
            self.stmt(s.body)

    def stmt_AssertStmt(self, s):
        self.line(f"// assert {self.expr(s.condition)}: checked on the host")
        self.stmt(s.body)

    def stmt_Allocate(self, s):
        b = s.buffer
        if not isinstance(s.extent, E.IntImm):
            raise BuildError(f"{self.d.name}: '{b.name}' ({b.scope}) has size `{s.extent}`; "
                             "kernel-local arrays need constant sizes (split by constants)")
        if b in self.dynamic_shared:
            self.dtypes.add(b.dtype)
            st = self.d.storage_type(b.dtype)
            self.line(f"{st}* {self.name_of(b, b.name)} = ({st}*)({self.d.dynamic_shared_name} + "
                      f"{self.dynamic_shared[b]});")
            self.stmt(s.body)
            return
        if b.scope == "shared":
            qual = self.d.shared_qualifier + " "
        elif b.scope == "local":
            qual = f"{self.d.local_qualifier} " if self.d.local_qualifier else ""
        else:
            raise BuildError(f"{self.d.name}: global buffer '{b.name}' allocated inside a "
                             "kernel; use scope 'shared' or 'local'")
        self.dtypes.add(b.dtype)
        decl = (f"{qual}{self.d.storage_type(b.dtype)} {self.name_of(b, b.name)}"
                f"[{max(s.extent.value, 1)}];")
        nbytes = self.vector_buffers.get(b, 0)
        if self.d.vector_needs_alignment and nbytes > 1 and nbytes & (nbytes - 1) == 0:
            decl = self.d.aligned(decl, nbytes)
        self.line(decl)
        self.stmt(s.body)

    def stmt_Store(self, s):
        lanes = dt.lanes_of(s.value.dtype)
        if lanes > 1 or dt.lanes_of(s.index.dtype) > 1:
            loaded = self.vector_loads(s.value)
            if s.predicate is None and self.vector_access(s.buffer, s.index):
                values = [self.value(lane(s.value, k, loaded)) for k in range(lanes)]
                self.line(self.d.vector_store(s.buffer.dtype, lanes, self.pointer(s.buffer, s.index),
                                              values))
                return
            for k in range(max(lanes, dt.lanes_of(s.index.dtype))):
                pred = None if s.predicate is None else lane(s.predicate, k)
                self.stmt_Store(S.Store(s.buffer, lane(s.value, k, loaded), lane(s.index, k), pred))
            return
        target = f"{self.name_of(s.buffer, s.buffer.name)}[{self.index(s.index)}]"
        text = f"{target} = {self.value(s.value)};"
        if s.predicate is not None:
            text = f"if ({self.value(s.predicate)}) {text}"
        self.line(text)

    def vector_access(self, buffer, index):
        """Whether ``buffer[index]`` (a vector index) is one vector access here."""
        if not isinstance(index, E.Ramp) or not E.is_const_int(index.stride, 1) or \
                index.lanes not in self.d.vector_lanes.get(buffer.dtype, ()):
            return False
        if not self.d.vector_needs_alignment:
            return True
        base = index.base
        lanes = E.IntImm(base.dtype, index.lanes)
        return self.analyzer.can_prove(E.EQ(E.FloorMod(base, lanes), E.IntImm(base.dtype, 0)))

    def pointer(self, buffer, index):
        return f"({self.name_of(buffer, buffer.name)} + {self.index(index.base)})"

    def vector_loads(self, value):
        """Declares each unconditional vector load in ``value`` that is one access
        as a vector variable; returns ``{id(load): [lane variables]}`` for :func:`lane`."""
        loaded = {}
        pending = [value]
        while pending:
            e = pending.pop()
            if isinstance(e, (E.Select, E.Let)) or (isinstance(e, E.Call) and e.op == "if_then_else"):
                continue
            if isinstance(e, E.Load) and e.predicate is None and id(e) not in loaded and \
                    dt.lanes_of(e.dtype) > 1 and self.vector_access(e.buffer, e.index):
                lanes = e.index.lanes
                var = E.Var("v", dt.element_of(e.dtype))
                name = self.name_of(var, "v")
                self.line(f"{self.d.vector_type(e.buffer.dtype, lanes)} {name} = "
                          f"{self.d.vector_load(e.buffer.dtype, lanes, self.pointer(e.buffer, e.index))};")
                fields = []
                for k in range(lanes):
                    field = E.Var(f"{name}_{k}", dt.element_of(e.dtype))
                    self.names[field] = f"{name}{self.d.lane_field(k)}"
                    fields.append(field)
                loaded[id(e)] = fields
                continue
            if isinstance(e, E.PrimExpr):
                for f in ("a", "b", "value", "args"):
                    child = getattr(e, f, None)
                    if isinstance(child, tuple):
                        pending.extend(c for c in child if isinstance(c, E.PrimExpr))
                    elif isinstance(child, E.PrimExpr):
                        pending.append(child)
        return loaded

    def stmt_IfThenElse(self, s):
        self.block(f"if ({self.expr(s.condition)})", s.then_case)
        if s.else_case is not None:
            self.block("else", s.else_case)

    def stmt_Evaluate(self, s):
        v = s.value
        if isinstance(v, E.Call) and v.op == "storage_sync":
            self.line(self.d.barrier)
        elif not isinstance(v, (E.IntImm, E.FloatImm)):
            self.line(self.expr(v) + ";")

    # ------------------------------------------------------------ expressions
    def expr(self, e):
        kind = type(e).__name__
        if dt.lanes_of(e.dtype) > 1:
            raise BuildError(f"{self.d.name}: vector expression `{e}` outside a vector store")
        if kind in _INFIX:
            if isinstance(e, E.CmpOp) and self.narrow and not self.in_index and \
                    e.a.dtype == "int64" and self.fits_int(e.a) and self.fits_int(e.b):
                return f"({self.index(e.a)} {_INFIX[kind]} {self.index(e.b)})"
            return self.wrap(e.dtype, f"({self.expr(e.a)} {_INFIX[kind]} {self.expr(e.b)})")
        return self.handler(e, "expr_")(e)

    def fits_int(self, e):
        """Whether every ``int64`` step of ``e`` provably stays within ``int``."""
        lo, hi = -2 ** 31, 2 ** 31 - 1
        for node in collect(e, lambda n: n.dtype == "int64"):
            if isinstance(node, E.Let):
                return False
            b = self.analyzer.const_int_bound(node)
            if b[0] is None or b[1] is None or not (lo <= b[0] and b[1] <= hi):
                return False
        return True

    def wrap(self, dtype, text):
        """``text``, an integer result C computed in ``int``, cast back to ``dtype``
        where that is narrower (C promotes char and short operands to int)."""
        if dtype in _NARROW_INTS:
            return f"(({self.ctype(dtype)}){text})"
        return text

    def expr_Var(self, e):
        tag = self.thread_vars.get(e)
        if tag is not None:
            return f"(({self.ctype(e.dtype)}){self.d.thread_index[tag]})"
        name = self.name_of(e, e.name)
        if e in self.narrow_vars and not self.in_index:
            return f"(({self.ctype(e.dtype)}){name})"
        return name

    def expr_IntImm(self, e):
        if e.dtype == "bool":
            return "true" if e.value else "false"
        index_like = e.dtype == "int64" and (self.in_index or not self.narrow)
        if e.dtype == "int32" or (index_like and abs(e.value) < 2 ** 31):
            return str(e.value) if e.value >= 0 else f"({e.value})"
        if e.dtype == "int64":
            return f"({e.value}{self.d.int64_suffix})"
        return f"(({self.ctype(e.dtype)}){e.value})"

    def expr_FloatImm(self, e):
        v = e.value
        if math.isinf(v):
            text = self.d.infinity[e.dtype]
            return text if v > 0 else f"(-{text})"
        if math.isnan(v):
            return self.d.nan[e.dtype]
        text = repr(float(v))
        if e.dtype == "float32":
            text += "f"
        elif e.dtype != "float64":
            return f"(({self.ctype(e.dtype)}){text}f)"
        return text if v >= 0 else f"({text})"

    def expr_StringImm(self, e):
        return '"' + e.value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def expr_Cast(self, e):
        return f"(({self.ctype(e.dtype)}){self.expr(e.value)})"

    def expr_Not(self, e):
        return f"(!{self.expr(e.a)})"

    def expr_Select(self, e):
        return f"({self.expr(e.condition)} ? {self.expr(e.true_value)} : {self.expr(e.false_value)})"

    def expr_Let(self, e):
        # ``(x = value, body)`` with ``x`` declared before the statement: the value is
        # printed (and computed) once, however often the body uses it (a shared
        # subexpression, tecomp.ir.share), and only where the expression is evaluated
        # (a let inside an if_then_else arm stays inside it). A fresh name for each
        # let printed, so a let printed twice (lane by lane) is declared twice.
        name = self.name_of(object(), e.var.name)
        self.declarations.append(f"{self.d.type_name(e.var.dtype)} {name};")
        self.dtypes.add(e.var.dtype)
        value = self.value(e.value)
        saved = self.names.get(e.var)
        self.names[e.var] = name
        try:
            body = self.expr(e.body)
        finally:
            if saved is None:
                del self.names[e.var]
            else:
                self.names[e.var] = saved
        return f"({name} = {value}, {body})"

    def line(self, text):
        self.flush_declarations()
        super().line(text)

    def flush_declarations(self):
        """The variables of the lets printed since the last line, declared."""
        pending, self.declarations = self.declarations, []
        for text in pending:
            super().line(text)

    def expr_Div(self, e):
        return self.wrap(e.dtype, f"({self.expr(e.a)} / {self.expr(e.b)})")

    def expr_Mod(self, e):
        if dt.is_float(e.dtype):
            return f"fmod({self.expr(e.a)}, {self.expr(e.b)})"
        return self.wrap(e.dtype, f"({self.expr(e.a)} % {self.expr(e.b)})")

    def expr_FloorDiv(self, e):
        if dt.is_float(e.dtype):
            return f"{self.d.math_name('floor', e.dtype)}(({self.expr(e.a)} / {self.expr(e.b)}))"
        return f"{self.helper('floordiv', e.dtype)}({self.expr(e.a)}, {self.expr(e.b)})"

    def expr_FloorMod(self, e):
        if dt.is_float(e.dtype):
            a, b = self.expr(e.a), self.expr(e.b)
            return f"({a} - ({self.d.math_name('floor', e.dtype)}(({a} / {b})) * {b}))"
        return f"{self.helper('floormod', e.dtype)}({self.expr(e.a)}, {self.expr(e.b)})"

    def expr_Min(self, e):
        return self._min_max("min", e)

    def expr_Max(self, e):
        return self._min_max("max", e)

    def _min_max(self, op, e):
        a, b = self.expr(e.a), self.expr(e.b)
        if dt.is_float(e.dtype):
            return f"{self.helper(op, e.dtype)}({a}, {b})"
        t = self.ctype(e.dtype)
        return f"{op}((({t}){a}), (({t}){b}))"

    def expr_Load(self, e):
        text = f"{self.name_of(e.buffer, e.buffer.name)}[{self.index(e.index)}]"
        if e.dtype == "bool" and self.d.bool_storage != "bool":
            text = f"((bool){text})"
        if e.predicate is not None:
            text = f"({self.expr(e.predicate)} ? {text} : (({self.ctype(e.dtype)})0))"
        return text

    def expr_Call(self, e):
        op, args = e.op, e.args
        if op == "if_then_else":
            return f"({self.expr(args[0])} ? {self.expr(args[1])} : {self.expr(args[2])})"
        if op == "call_extern":
            return f"{args[0].value}({', '.join(self.expr(a) for a in args[1:])})"
        if op == "likely":
            return self.expr(args[0])
        if op == "address_of":   # Buffer.access_ptr: the element's address
            return f"(&{self.expr(args[0])})"
        if op == "call_llvm_intrin":
            raise BuildError(f"{self.d.name}: call_llvm_intrin({args[0].value}) calls an LLVM "
                             "intrinsic, which only the LLVM (CPU) backend can emit")
        if op in self.d.shuffles:   # (value, lane or offset, width), all lanes active
            value, lane, width = (self.expr(a) for a in args)
            return f"{self.d.shuffles[op]}(0xffffffffu, {value}, {lane}, {width})"
        if op in _BITWISE:
            return self.wrap(e.dtype, f"({self.expr(args[0])} {_BITWISE[op]} {self.expr(args[1])})")
        if op == "bitwise_not":
            return self.wrap(e.dtype, f"(~{self.expr(args[0])})")
        if op == "isnan":
            return f"{self.d.isnan(args[0].dtype)}({self.expr(args[0])})"
        if op == "sigmoid":
            one = self.expr(E.const(1, e.dtype))
            return f"({one} / ({one} + {self.d.math_name('exp', e.dtype)}((-{self.expr(args[0])}))))"
        if op == "abs" and not dt.is_float(e.dtype):
            x = self.expr(args[0])
            return self.wrap(e.dtype, f"(({x} < 0) ? (-{x}) : {x})")
        if op == "abs":
            op = "fabs"
        return f"{self.d.math_name(op, e.dtype)}({', '.join(self.expr(a) for a in args)})"

    def expr_Ramp(self, e):
        raise BuildError(f"{self.d.name}: vector index `{e}` outside a vector store")

    expr_Broadcast = expr_Ramp

    def expr_TensorRead(self, e):
        raise BuildError(f"{self.d.name}: unflattened tensor read `{e}`")

    expr_Reduce = expr_TensorRead

    # ------------------------------------------------------------ helpers
    def helper(self, op, dtype):
        t = self.ctype(dtype)
        name = f"tc_{op}_{t.replace(' ', '_')}"
        if name not in self.helpers:
            q = self.d.function_qualifier
            if op in ("min", "max"):
                # numpy's minimum/maximum: NaN in either operand gives NaN
                cmp = "<" if op == "min" else ">"
                body = f"  return (a {cmp} b || {self.d.isnan(dtype)}(a)) ? a : b;"
            elif op == "floordiv":
                body = (f"  {t} q = a / b;\n"
                        "  return (q * b != a && ((a < 0) != (b < 0))) ? q - 1 : q;")
            else:
                body = (f"  {t} r = a % b;\n"
                        "  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;")
            self.helpers[name] = [f"{q} {t} {name}({t} a, {t} b) {{", body, "}", ""]
        return name


def lane(e, k, loaded=None):
    """Lane ``k`` of the vector expression ``e`` as a scalar expression (``loaded``:
    the lane variables of vector loads already declared, by ``id`` of the load)."""
    if dt.lanes_of(e.dtype) == 1:
        return e
    if loaded and id(e) in loaded:
        return loaded[id(e)][k]
    kind = type(e).__name__
    if kind == "Ramp":
        return E.Add(e.base, E.Mul(e.stride, E.IntImm(e.stride.dtype, k))) if k else e.base
    if kind == "Broadcast":
        return e.value
    if kind == "Load":
        pred = None if e.predicate is None else lane(e.predicate, k, loaded)
        return E.Load(dt.element_of(e.dtype), e.buffer, lane(e.index, k, loaded), pred)
    if isinstance(e, E.BinaryOp):
        return type(e)(lane(e.a, k, loaded), lane(e.b, k, loaded))
    if kind == "Cast":
        return E.Cast(dt.element_of(e.dtype), lane(e.value, k, loaded))
    if kind == "Not":
        return E.Not(lane(e.a, k, loaded))
    if kind == "Select":
        return E.Select(lane(e.condition, k, loaded), lane(e.true_value, k, loaded),
                        lane(e.false_value, k, loaded))
    if kind == "Call":
        return E.Call(dt.element_of(e.dtype), e.op, tuple(lane(a, k, loaded) for a in e.args))
    if kind == "Let":
        # lane k of the value bound once, to a scalar variable of its own
        var = E.Var(f"{e.var.name}_{k}", dt.element_of(e.var.dtype))
        body = substitute(e.body, {e.var: E.Broadcast(var, dt.lanes_of(e.var.dtype))})
        return E.Let(var, lane(e.value, k), lane(body, k))
    raise BuildError(f"cannot print lane {k} of the vector expression `{e}`")

"""Readable text of expressions, statements and functions (TVM's old simple
mode): loops as ``for (i, 0, 64) { ... }``. Variable names are made unique only
here, when printing; the IR itself never needs them unique."""

from . import dtype as dt
from . import expr as E
from . import stmt as S
from .buffer import Buffer
from .dispatch import Dispatcher

#: C-style infix spellings, shared with the C-family source printer.
INFIX = {"Add": "+", "Sub": "-", "Mul": "*", "EQ": "==", "NE": "!=", "LT": "<",
         "LE": "<=", "GT": ">", "GE": ">=", "And": "&&", "Or": "||"}
_INFIX = INFIX
_CALL_LIKE = {"FloorDiv": "floordiv", "FloorMod": "floormod", "Min": "min", "Max": "max"}


class TextPrinter(Dispatcher):
    """Indented lines, ``stmt_<Class>`` dispatch and unique names: what the IR
    printer and the C-family source printer share."""

    def __init__(self):
        self.names = {}      # object -> unique printed name
        self.taken = set()   # names given out
        self.lines = []
        self.indent = 0

    def unique_name(self, obj, base):
        name = self.names.get(obj)
        if name is None:
            name, count = base, 0
            while name in self.taken:
                count += 1
                name = f"{base}_{count}"
            self.taken.add(name)
            self.names[obj] = name
        return name

    def line(self, text):
        self.lines.append("  " * self.indent + text)

    def block(self, header, body):
        self.line(header + " {")
        self.indent += 1
        self.stmt(body)
        self.indent -= 1
        self.line("}")

    def stmt(self, s):
        method = self.handler(s, "stmt_")
        if method is None:
            self.unsupported(s)
        else:
            method(s)

    def unsupported(self, s):
        self.line(f"<{type(s).__name__}>")

    def stmt_SeqStmt(self, s):
        for item in s.seq:
            self.stmt(item)


class IRPrinter(TextPrinter):
    name_of = TextPrinter.unique_name

    # ------------------------------------------------------------ expressions
    def expr(self, e):
        kind = type(e).__name__
        if kind in _INFIX:
            return f"({self.expr(e.a)} {_INFIX[kind]} {self.expr(e.b)})"
        if kind in _CALL_LIKE:
            return f"{_CALL_LIKE[kind]}({self.expr(e.a)}, {self.expr(e.b)})"
        if kind == "Div":
            op = "/" if dt.is_float(e.dtype) else "truncdiv"
            if op == "/":
                return f"({self.expr(e.a)} / {self.expr(e.b)})"
            return f"truncdiv({self.expr(e.a)}, {self.expr(e.b)})"
        if kind == "Mod":
            return f"truncmod({self.expr(e.a)}, {self.expr(e.b)})"
        method = self.handler(e, "expr_")
        if method is None:
            return f"<{kind}>"
        return method(e)

    def expr_Var(self, e):
        return self.name_of(e, e.name)

    def expr_IntImm(self, e):
        if e.dtype == "bool":
            return "True" if e.value else "False"
        return str(e.value) if e.dtype in (dt.INDEX, "int32") else f"{e.dtype}({e.value})"

    def expr_FloatImm(self, e):
        text = repr(e.value)
        return text + "f" if e.dtype == "float32" else f"{e.dtype}({text})"

    def expr_StringImm(self, e):
        return repr(e.value)

    def expr_Cast(self, e):
        value = e.value
        if isinstance(value, E.Var) and dt.is_int(value.dtype) and dt.is_int(e.dtype) and \
                dt.bits_of(value.dtype) <= dt.bits_of(e.dtype):
            return self.expr(value)   # widening an int variable (an int32 te.var as an index)
        return f"{e.dtype}({self.expr(value)})"

    def expr_Not(self, e):
        return f"!{self.expr(e.a)}"

    def expr_Select(self, e):
        return f"select({self.expr(e.condition)}, {self.expr(e.true_value)}, {self.expr(e.false_value)})"

    def expr_Ramp(self, e):
        return f"ramp({self.expr(e.base)}, {self.expr(e.stride)}, {e.lanes})"

    def expr_Broadcast(self, e):
        return f"x{e.lanes}({self.expr(e.value)})"

    def expr_Let(self, e):
        return f"(let {self.expr(e.var)} = {self.expr(e.value)} in {self.expr(e.body)})"

    def expr_Call(self, e):
        return f"{e.op}({', '.join(self.expr(a) for a in e.args)})"

    def expr_TensorRead(self, e):
        return f"{self.name_of(e.tensor, e.tensor.name)}[{', '.join(self.expr(i) for i in e.indices)}]"

    def expr_Load(self, e):
        text = f"{self.name_of(e.buffer, e.buffer.name)}[{self.expr(e.index)}]"
        if e.predicate is not None:
            text += f" if {self.expr(e.predicate)}"
        return text

    def expr_Reduce(self, e):
        axes = ", ".join(self.name_of(iv.var, iv.var.name) for iv in e.axis)
        source = ", ".join(self.expr(s) for s in e.source)
        text = f"{e.combiner.name}({source}, axis=[{axes}]"
        if e.condition is not None:
            text += f", where={self.expr(e.condition)}"
        if e.init is not None:
            text += f", init=[{', '.join(self.expr(v) for v in e.init)}]"
        return text + ")"

    # ------------------------------------------------------------ statements
    def stmt_For(self, s):
        keyword = "for" if s.kind == S.ForKind.SERIAL else s.kind
        header = f"{keyword} ({self.expr(s.loop_var)}, {self.expr(s.min)}, {self.expr(s.extent)})"
        if s.thread_tag:
            header += f" // {s.thread_tag}"
        self.block(header, s.body)

    def stmt_LetStmt(self, s):
        self.line(f"let {self.expr(s.var)} = {self.expr(s.value)}")
        self.stmt(s.body)

    def stmt_AttrStmt(self, s):
        target = s.node
        if isinstance(target, E.IterVar):
            target = self.name_of(target.var, target.var.name)
        elif isinstance(target, Buffer):
            target = self.name_of(target, target.name)
        elif s.key == "buffer_bind_scope":
            decl, tensor = target
            target = f"{decl.name} -> {self.name_of(tensor, tensor.name)}"
        value = self.expr(s.value)
        if s.key == "pragma_import_llvm":   # LLVM IR text: its size only
            value = f"<LLVM IR, {len(s.value.value)} characters>"
        self.line(f"// attr [{target}] {s.key} = {value}")
        self.stmt(s.body)

    def stmt_AssertStmt(self, s):
        self.line(f"assert({self.expr(s.condition)}, {s.message!r})")
        self.stmt(s.body)

    def stmt_Store(self, s):
        target = f"{self.name_of(s.buffer, s.buffer.name)}[{self.expr(s.index)}]"
        if s.predicate is not None:
            target += f" if {self.expr(s.predicate)}"
        self.line(f"{target} = {self.expr(s.value)}")

    def stmt_Provide(self, s):
        index = ", ".join(self.expr(i) for i in s.indices)
        self.line(f"{self.name_of(s.tensor, s.tensor.name)}[{index}] = {self.expr(s.value)}")

    def stmt_Allocate(self, s):
        b = s.buffer
        self.line(f"allocate {self.name_of(b, b.name)}[{b.dtype} * {self.expr(s.extent)}]"
                  + (f" in {b.scope}" if b.scope != "global" else ""))
        self.stmt(s.body)

    def stmt_Realize(self, s):
        bounds = ", ".join(f"[{self.expr(r.min)}, {self.expr(r.extent)}]" for r in s.bounds)
        scope = f" in {s.scope}" if s.scope and s.scope != "global" else ""
        self.block(f"realize {self.name_of(s.tensor, s.tensor.name)}({bounds}){scope}", s.body)

    def stmt_IfThenElse(self, s):
        self.block(f"if ({self.expr(s.condition)})", s.then_case)
        if s.else_case is not None:
            self.block("else", s.else_case)

    def stmt_Evaluate(self, s):
        self.line(self.expr(s.value))

    # ------------------------------------------------------------ functions
    def func(self, f):
        params = []
        for p in f.params:
            if isinstance(p, Buffer):
                shape = ", ".join(self.expr(x) for x in p.shape)
                params.append(f"{self.name_of(p, p.name)}: {p.dtype}[{shape}]")
            else:
                params.append(f"{self.expr(p)}: {p.dtype}")
        self.block(f"func {f.name}({', '.join(params)})", f.body)


def expr_to_str(e):
    return IRPrinter().expr(e)


def stmt_to_str(s):
    p = IRPrinter()
    p.stmt(s)
    return "\n".join(p.lines)


def func_to_str(f):
    p = IRPrinter()
    p.func(f)
    return "\n".join(p.lines)

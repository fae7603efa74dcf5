"""``Call`` intrinsics: math functions, ``if_then_else``, ``likely``, bit operations.

Math maps to LLVM intrinsics (which work on vectors too) where LLVM has one;
``rsqrt`` and ``sigmoid`` are expanded; ``erf`` calls libm per lane. ``round`` is
numpy's round-half-to-even (``llvm.roundeven``).

``if_then_else(c, t, f)`` evaluates only the arm it takes: scalars branch and join
with a phi; vectors whose arms load nothing use ``select``; vectors whose arms load
are evaluated lane by lane (:mod:`.lanes`), each lane a scalar if_then_else.
"""

import llvmlite.ir as ir

from tecomp.errors import BuildError
from tecomp.ir import And, IRMutator, Load, Not, collect
from tecomp.ir import dtype as dt

from . import types as T
from .lanes import lane_of

#: intrinsic name -> LLVM intrinsic (``llvm.<name>.<type>``), all float-only.
LLVM_MATH = {"exp": "exp", "exp2": "exp2", "log": "log", "log2": "log2", "log10": "log10",
             "sqrt": "sqrt", "sin": "sin", "cos": "cos", "tan": "tan", "tanh": "tanh",
             "fabs": "fabs", "pow": "pow", "floor": "floor", "ceil": "ceil",
             "round": "roundeven", "trunc": "trunc", "nearbyint": "nearbyint",
             "fma": "fma", "copysign": "copysign"}
_LIBM = {"erf": ("erff", "erf")}
_BITWISE = {"bitwise_and": "and_", "bitwise_or": "or_", "bitwise_xor": "xor",
            "shift_left": "shl"}


def supported():
    return sorted(set(LLVM_MATH) | set(_LIBM) | set(_BITWISE) | {
        "rsqrt", "sigmoid", "abs", "isnan", "if_then_else", "likely", "bitwise_not",
        "shift_right"})


class _LoadPredicator(IRMutator):
    def __init__(self, cond):
        self.cond = cond

    def visit_Load(self, load):
        load = self.generic_visit(load)
        pred = self.cond if load.predicate is None else And(load.predicate, self.cond)
        return Load(load.dtype, load.buffer, load.index, pred)


def _predicate_loads(expr, cond):
    return _LoadPredicator(cond).visit(expr)


class IntrinsicMixin:

    def call_llvm_intrinsic(self, name, dtype, args):
        ty = T.llvm_type(dtype)
        fn = self.declare(f"llvm.{name}.{T.intrinsic_suffix(dtype)}", ty, [ty] * len(args))
        return self.builder.call(fn, args)

    def visit_Call(self, op):
        handler = getattr(self, "intrin_" + op.op, None)
        if handler is not None:
            return handler(op)
        if op.op in LLVM_MATH:
            self._require_float(op)
            return self.call_llvm_intrinsic(LLVM_MATH[op.op], op.dtype,
                                            [self.visit(a) for a in op.args])
        if op.op in _LIBM:
            self._require_float(op)
            return self._libm(op)
        if op.op in _BITWISE:
            a, b = (self.visit(x) for x in op.args)
            return getattr(self.builder, _BITWISE[op.op])(a, b)
        raise BuildError(f"the LLVM backend does not support intrinsic {op.op!r}; supported: "
                         f"{', '.join(supported())}")

    def _require_float(self, op):
        if not dt.is_float(op.dtype) or any(not dt.is_float(a.dtype) for a in op.args):
            raise BuildError(f"intrinsic {op.op} needs float arguments, got `{op}`; cast the "
                             "argument with .astype('float32')")

    def _libm(self, op):
        """A libm call, per lane, in float (float16 widens) or double."""
        wide = "float64" if dt.element_of(op.dtype) == "float64" else "float32"
        name = _LIBM[op.op][wide == "float64"]
        fn = self.declare(name, T.llvm_type(wide), [T.llvm_type(wide)])
        value = self.visit(op.args[0])
        lanes = dt.lanes_of(op.dtype)
        if lanes == 1:
            return self.cast(self.builder.call(fn, [self.cast(value, op.dtype, wide)]),
                             wide, op.dtype)
        out = T.poison(value.type)
        for i in range(lanes):
            idx = ir.Constant(T.I32, i)
            x = self.cast(self.builder.extract_element(value, idx), dt.element_of(op.dtype), wide)
            y = self.cast(self.builder.call(fn, [x]), wide, dt.element_of(op.dtype))
            out = self.builder.insert_element(out, y, idx)
        return out

    # ------------------------------------------------------------ expanded math

    def intrin_rsqrt(self, op):
        self._require_float(op)
        root = self.call_llvm_intrinsic("sqrt", op.dtype, [self.visit(op.args[0])])
        return self.builder.fdiv(T.const(op.dtype, 1.0), root)

    def intrin_sigmoid(self, op):
        self._require_float(op)
        x = self.visit(op.args[0])
        e = self.call_llvm_intrinsic("exp", op.dtype, [self.builder.fneg(x)])
        one = T.const(op.dtype, 1.0)
        return self.builder.fdiv(one, self.builder.fadd(one, e))

    def intrin_abs(self, op):
        x = self.visit(op.args[0])
        if dt.is_float(op.dtype):
            return self.call_llvm_intrinsic("fabs", op.dtype, [x])
        if not dt.is_int(op.dtype):
            return x
        neg = self.builder.sub(T.const(op.dtype, 0), x)
        return self.builder.select(self.compare("<", x, T.const(op.dtype, 0), op.dtype), neg, x)

    def intrin_isnan(self, op):
        x = self.visit(op.args[0])
        if not dt.is_float(op.args[0].dtype):
            return T.const(op.dtype, 0)
        return self.builder.fcmp_unordered("uno", x, x)

    def intrin_call_extern(self, op):
        """A call of the C function named by the first argument (lane by lane on vectors)."""
        name, args = op.args[0].value, op.args[1:]
        elem = dt.element_of(op.dtype)
        fn = self.declare(name, T.llvm_type(elem), [T.llvm_type(dt.element_of(a.dtype)) for a in args])
        values = [self.visit(a) for a in args]
        lanes = dt.lanes_of(op.dtype)
        if lanes == 1:
            return self.builder.call(fn, values)
        out = T.poison(T.llvm_type(op.dtype))
        for i in range(lanes):
            idx = ir.Constant(T.I32, i)
            lane = [self.builder.extract_element(v, idx) if dt.lanes_of(a.dtype) > 1 else v
                    for v, a in zip(values, args)]
            out = self.builder.insert_element(out, self.builder.call(fn, lane), idx)
        return out

    def intrin_address_of(self, op):
        """The address of the element a ``Load`` would read (``Buffer.access_ptr``)."""
        load = op.args[0]
        return self.element_ptr(load.buffer, self.visit(load.index), dt.element_of(load.dtype))

    def intrin_call_llvm_intrin(self, op):
        """``tvm.tir.call_llvm_intrin(dtype, "llvm.x86....", num_signature, *args)``: a
        call of the LLVM intrinsic of that (fully mangled) name."""
        name, args = op.args[0].value, op.args[2:]
        fn = self.declare(name, T.llvm_type(op.dtype), [T.llvm_type(a.dtype) for a in args])
        return self.builder.call(fn, [self.visit(a) for a in args])

    def intrin_prefetch(self, op):
        """``prefetch(address, write, locality, cache type)`` (TVM's builtin, one per
        cache line: :mod:`tecomp.transform.lower_prefetch`): ``llvm.prefetch``."""
        address, *flags = op.args
        fn = self.declare("llvm.prefetch.p0", T.VOID, [T.PTR, T.I32, T.I32, T.I32])
        self.builder.call(fn, [self.visit(address)] + [ir.Constant(T.I32, f.value) for f in flags])
        return ir.Constant(T.I32, 0)

    def intrin_likely(self, op):
        return self.visit(op.args[0])

    def intrin_bitwise_not(self, op):
        return self.builder.not_(self.visit(op.args[0]))

    def intrin_shift_right(self, op):
        a, b = (self.visit(x) for x in op.args)
        return self.builder.ashr(a, b) if dt.is_int(op.dtype) else self.builder.lshr(a, b)

    # ------------------------------------------------------------ if_then_else

    def intrin_if_then_else(self, op):
        if len(op.args) != 3:
            raise BuildError(f"if_then_else takes 3 arguments, got {len(op.args)}: `{op}`")
        cond, then_value, else_value = op.args
        lanes = dt.lanes_of(op.dtype)
        if lanes == 1:
            return self._branchy_select(cond, then_value, else_value, op.dtype)
        loads = collect(then_value, Load) + collect(
            else_value, Load)
        if not loads:
            c = self.visit(cond)
            return self.builder.select(c, self.visit(then_value), self.visit(else_value))
        if all(dt.lanes_of(n.dtype) == lanes for n in loads) and dt.lanes_of(cond.dtype) == lanes:
            # Each arm's loads are predicated by the lanes that take it (masked
            # loads touch no memory in the other lanes), then one select.
            then_value = _predicate_loads(then_value, cond)
            else_value = _predicate_loads(else_value, Not(cond))
            return self.builder.select(self.visit(cond), self.visit(then_value),
                                       self.visit(else_value))
        out = T.poison(T.llvm_type(op.dtype))
        scalar = dt.element_of(op.dtype)
        for i in range(lanes):
            value = self._branchy_select(*(lane_of(self, e, i) for e in op.args), scalar)
            out = self.builder.insert_element(out, value, ir.Constant(T.I32, i))
        return out

    def _branchy_select(self, cond, then_value, else_value, dtype):
        fn = self.frame.fn
        c = self.visit(cond)
        then_block, else_block = fn.append_basic_block("ite_then"), fn.append_basic_block("ite_else")
        end = fn.append_basic_block("ite_end")
        self.builder.cbranch(c, then_block, else_block)
        arms = []
        for block, expr in ((then_block, then_value), (else_block, else_value)):
            self.builder.position_at_end(block)
            value = self.visit(expr)
            arms.append((value, self.builder.block))
            self.builder.branch(end)
        self.builder.position_at_end(end)
        phi = self.builder.phi(T.llvm_type(dtype))
        for value, block in arms:
            phi.add_incoming(value, block)
        return phi

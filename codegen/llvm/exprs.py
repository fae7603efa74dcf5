"""Arithmetic, comparison, logic, casts and vector construction.

Integer semantics (see :mod:`tecomp.ir.expr`): ``Div``/``Mod`` truncate
(``sdiv``/``srem``, ``udiv``/``urem`` on unsigned); ``FloorDiv``/``FloorMod``
round toward negative infinity, fixed up from the truncating results. On floats
``Mod`` is ``frem`` (C ``fmod``), ``FloorDiv`` is ``floor(a / b)`` and ``FloorMod``
is numpy's ``np.mod`` (``fmod`` moved to the divisor's sign). ``Min``/``Max`` are
``select(a < b, ...)``, on floats ``llvm.minimum``/``llvm.maximum``: NaN in
either operand gives NaN, as numpy's ``minimum``/``maximum``; comparisons of floats are ordered except ``!=``, which is
true for NaN as in numpy. Bools behave as unsigned one-bit integers.
"""

import llvmlite.ir as ir

from tecomp.errors import InternalError
from tecomp.ir import dtype as dt

from . import types as T
from .byte_division import constant_byte_divisor, divide_bytes

_CMP = {"EQ": "==", "NE": "!=", "LT": "<", "LE": "<=", "GT": ">", "GE": ">="}


def _kind(dtype):
    if dt.is_float(dtype):
        return "float"
    return "int" if dt.is_int(dtype) else "uint"   # bool counts as unsigned


class ExprMixin:

    # ------------------------------------------------------------ leaves

    def visit_Var(self, op):
        value = self.frame.env.get(op)
        if value is None:
            raise InternalError(f"codegen.llvm: variable '{op.name}' is used but not defined "
                                f"in function {self.frame.func_name!r}")
        return value

    def visit_IntImm(self, op):
        return T.const(op.dtype, op.value)

    def visit_FloatImm(self, op):
        return T.const(op.dtype, op.value)

    def visit_StringImm(self, op):
        raise InternalError(f"codegen.llvm: string constant {op.value!r} outside a call")

    def visit_Let(self, op):
        env = self.frame.env
        env[op.var] = self.visit(op.value)
        try:
            return self.visit(op.body)
        finally:
            del env[op.var]

    # ------------------------------------------------------------ casts

    def visit_Cast(self, op):
        return self.cast(self.visit(op.value), op.value.dtype, op.dtype)

    def cast(self, value, src, dst):
        """Convert ``value`` of dtype ``src`` to dtype ``dst`` (lanes may broadcast)."""
        if dt.lanes_of(src) == 1 and dt.lanes_of(dst) > 1:
            value = self.cast(value, src, dt.element_of(dst))
            return self.broadcast(value, dt.lanes_of(dst))
        if dt.lanes_of(src) != dt.lanes_of(dst):
            raise InternalError(f"codegen.llvm: cannot cast {src} to {dst}")
        b, ty = self.builder, T.llvm_type(dst)
        if src == dst:
            return value
        s, d = _kind(src), _kind(dst)
        if dt.is_bool(dst):
            zero = T.const(src, 0)
            return b.fcmp_unordered("!=", value, zero) if s == "float" else b.icmp_unsigned(
                "!=", value, zero)
        if s == "float" and d == "float":
            sb, db = dt.bits_of(src), dt.bits_of(dst)
            if (sb, db) == (64, 16):
                return self._double_to_half(value, dst)
            return b.fpext(value, ty) if db > sb else b.fptrunc(value, ty)
        if s == "float":
            return b.fptosi(value, ty) if d == "int" else b.fptoui(value, ty)
        if d == "float":
            return b.sitofp(value, ty) if s == "int" else b.uitofp(value, ty)
        sb, db = dt.bits_of(src), dt.bits_of(dst)
        if db == sb:
            return value
        if db < sb:
            return b.trunc(value, ty)
        return b.sext(value, ty) if s == "int" else b.zext(value, ty)

    def _double_to_half(self, value, dst):
        """double -> half, correctly rounded, without the ``__truncdfhf2`` libcall that
        LLVM would emit (absent from the JIT's process on many systems): round to
        float *toward zero*, make it odd if inexact (round-to-odd), then to half;
        float's 24 bits are enough for the second rounding to be exact."""
        b, lanes = self.builder, dt.lanes_of(dst)
        f32, i32 = dt.with_lanes("float32", lanes), dt.with_lanes("int32", lanes)
        near = b.fptrunc(value, T.llvm_type(f32))
        widened = b.fpext(near, value.type)
        fabs = lambda x, d: self.call_llvm_intrinsic("fabs", d, [x])  # noqa: E731
        too_big = b.fcmp_ordered(">", fabs(widened, dt.with_lanes("float64", lanes)),
                                 fabs(value, dt.with_lanes("float64", lanes)))
        bits = b.bitcast(near, T.llvm_type(i32))
        bits = b.select(too_big, b.sub(bits, T.const(i32, 1)), bits)   # toward zero
        inexact = b.fcmp_unordered("!=", b.fpext(b.bitcast(bits, near.type), value.type), value)
        bits = b.select(inexact, b.or_(bits, T.const(i32, 1)), bits)
        return b.fptrunc(b.bitcast(bits, near.type), T.llvm_type(dst))

    # ------------------------------------------------------------ vectors

    def broadcast(self, value, lanes):
        if isinstance(value, ir.Constant):
            return T.splat(value, lanes)
        vty = ir.VectorType(value.type, lanes)
        one = self.builder.insert_element(T.poison(vty), value, ir.Constant(T.I32, 0))
        mask = T.zeros(ir.VectorType(T.I32, lanes))
        return self.builder.shuffle_vector(one, T.poison(vty), mask)

    def visit_Broadcast(self, op):
        return self.broadcast(self.visit(op.value), op.lanes)

    def visit_Ramp(self, op):
        base = self.broadcast(self.visit(op.base), op.lanes)
        stride = self.broadcast(self.visit(op.stride), op.lanes)
        offsets = ir.Constant(base.type, [ir.Constant(base.type.element, i)
                                          for i in range(op.lanes)])
        if dt.is_float(op.base.dtype):
            return self.builder.fadd(base, self.builder.fmul(stride, offsets))
        return self.builder.add(base, self.builder.mul(stride, offsets))

    # ------------------------------------------------------------ arithmetic

    def _operands(self, op):
        return self.visit(op.a), self.visit(op.b), _kind(op.a.dtype)

    @staticmethod
    def _contract(dtype):
        """Fast-math flags of a float add/sub/mul of ``dtype``.

        `contract` lets LLVM fuse a*b + c into one FMA (as C compilers do with
        -ffp-contract=fast and BLAS kernels do by hand): one rounding instead of
        two, and twice the arithmetic throughput. No other fast-math freedom.
        Not for float16: numpy rounds every half operation to half, and a fused
        half FMA (computed in float, rounded once) differs from it by 1-2 ulp,
        which at half's 11 bits is a visible wrong answer."""
        return () if dt.bits_of(dtype) == 16 else ("contract",)

    def _integer(self, name, a, b):
        """``a <name> b`` on integers, computed once per basic block (the index
        arithmetic of neighbouring statements repeats; see Frame.numbered_value)."""
        return self.frame.numbered_value((name, a, b),
                                         lambda: getattr(self.builder, name)(a, b))

    def visit_Add(self, op):
        a, b, k = self._operands(op)
        if k == "float":
            return self.builder.fadd(a, b, flags=self._contract(op.dtype))
        return self._integer("add", a, b)

    def visit_Sub(self, op):
        a, b, k = self._operands(op)
        if k == "float":
            return self.builder.fsub(a, b, flags=self._contract(op.dtype))
        return self._integer("sub", a, b)

    def visit_Mul(self, op):
        a, b, k = self._operands(op)
        if k == "float":
            return self.builder.fmul(a, b, flags=self._contract(op.dtype))
        return self._integer("mul", a, b)

    def _byte_division(self, op, a):
        """(quotient, remainder) of an 8-bit ``op.a`` by a constant ``op.b`` without
        LLVM's i8 division (:mod:`.byte_division`: a miscompile), else ``None``."""
        divisor = constant_byte_divisor(op.dtype, op.b)
        return None if divisor is None else divide_bytes(self.builder, a, divisor, op.dtype)

    def visit_Div(self, op):
        a, b, k = self._operands(op)
        by_bytes = self._byte_division(op, a)
        if by_bytes:
            return by_bytes[0]
        return {"float": self.builder.fdiv, "int": self.builder.sdiv,
                "uint": self.builder.udiv}[k](a, b)

    def visit_Mod(self, op):
        a, b, k = self._operands(op)
        by_bytes = self._byte_division(op, a)
        if by_bytes:
            return by_bytes[1]
        return {"float": self.builder.frem, "int": self.builder.srem,
                "uint": self.builder.urem}[k](a, b)

    def _floor_fixup(self, op, a, b):
        """(truncated quotient, truncated remainder, needs-adjust) for signed a / b."""
        bld, dtype = self.builder, op.dtype
        q, r = self._byte_division(op, a) or (bld.sdiv(a, b), bld.srem(a, b))
        zero = T.const(dtype, 0)
        signs_differ = bld.icmp_signed("!=", bld.icmp_signed("<", r, zero),
                                       bld.icmp_signed("<", b, zero))
        adjust = bld.and_(bld.icmp_signed("!=", r, zero), signs_differ)
        return q, r, adjust

    def visit_FloorDiv(self, op):
        a, b, k = self._operands(op)
        if k == "float":
            return self.call_llvm_intrinsic("floor", op.dtype, [self.builder.fdiv(a, b)])
        if k == "uint":
            by_bytes = self._byte_division(op, a)
            return by_bytes[0] if by_bytes else self.builder.udiv(a, b)
        q, _, adjust = self._floor_fixup(op, a, b)
        return self.builder.select(adjust, self.builder.sub(q, T.const(op.dtype, 1)), q)

    def visit_FloorMod(self, op):
        a, b, k = self._operands(op)
        bld = self.builder
        if k == "uint":
            by_bytes = self._byte_division(op, a)
            return by_bytes[1] if by_bytes else bld.urem(a, b)
        if k == "float":
            r, zero = bld.frem(a, b), T.const(op.dtype, 0.0)
            signs_differ = bld.icmp_unsigned("!=", bld.fcmp_ordered("<", r, zero),
                                             bld.fcmp_ordered("<", b, zero))
            adjust = bld.and_(bld.fcmp_ordered("!=", r, zero), signs_differ)
            return bld.select(adjust, bld.fadd(r, b), r)
        _, r, adjust = self._floor_fixup(op, a, b)
        return bld.select(adjust, bld.add(r, b), r)

    def _min_max(self, op, pred):
        a, b, _ = self._operands(op)
        if _kind(op.dtype) == "float":    # NaN propagates (numpy's minimum/maximum)
            name = "minimum" if pred == "<" else "maximum"
            return self.call_llvm_intrinsic(name, op.dtype, [a, b])
        return self.builder.select(self.compare(pred, a, b, op.a.dtype), a, b)

    def visit_Min(self, op):
        return self._min_max(op, "<")

    def visit_Max(self, op):
        return self._min_max(op, ">")

    # ------------------------------------------------------------ comparison, logic

    def compare(self, pred, a, b, dtype):
        k = _kind(dtype)
        if k == "float":
            if pred == "!=":
                return self.builder.fcmp_unordered(pred, a, b)
            return self.builder.fcmp_ordered(pred, a, b)
        cmp = self.builder.icmp_signed if k == "int" else self.builder.icmp_unsigned
        return cmp(pred, a, b)

    def _visit_cmp(self, op):
        return self.compare(_CMP[type(op).__name__], self.visit(op.a), self.visit(op.b),
                            op.a.dtype)

    visit_EQ = visit_NE = visit_LT = visit_LE = visit_GT = visit_GE = _visit_cmp

    def visit_And(self, op):
        return self.builder.and_(self.visit(op.a), self.visit(op.b))

    def visit_Or(self, op):
        return self.builder.or_(self.visit(op.a), self.visit(op.b))

    def visit_Not(self, op):
        return self.builder.not_(self.visit(op.a))

    def visit_Select(self, op):
        return self.builder.select(self.visit(op.condition), self.visit(op.true_value),
                                   self.visit(op.false_value))

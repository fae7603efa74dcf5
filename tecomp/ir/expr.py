"""Expression nodes of tecomp's IR.

Semantics, stated once:

* Every expression has a ``dtype`` string (see :mod:`tecomp.ir.dtype`); vector
  expressions carry the lane count in it (``"float32x8"``).
* Loop variables, tensor indices and buffer offsets are ``int64`` (``dtype.INDEX``).
* Integer division: ``Div``/``Mod`` truncate toward zero (C semantics);
  ``FloorDiv``/``FloorMod`` round toward negative infinity. Python's ``//`` and
  ``%`` on expressions build the floor forms; ``/`` on integers builds ``FloorDiv``
  too (it matches truncation for the non-negative indices it is used on) and on
  floats builds ``Div``. Division by zero is undefined behaviour, as in C.
* Integer arithmetic wraps around in the node's dtype (int8 ``127 + 1`` is
  ``-128``) on every backend; the C-family printers cast narrow results back.
* ``Min``/``Max`` (and so the ``te.min``/``te.max`` reducers) on floats are numpy's
  ``minimum``/``maximum``: NaN in either operand gives NaN, on the CPU, OpenCL and
  CUDA alike. TVM's were backend-dependent (LLVM's ``a < b ? a : b`` answers by
  operand order; C's ``fmin``/``fmax`` drop a NaN); we follow numpy because results
  are compared with numpy, because ``np.max`` of an array with a NaN is NaN, and
  because a NaN that vanishes in a max hides a bug upstream. Which of two equal
  zeros (``-0.0``, ``0.0``) is returned is unspecified.
* Binary nodes require both operands to have the same dtype; the user-facing
  operator sugar (:mod:`tecomp.ir.op`) inserts the casts.
* ``Select`` evaluates both arms; the intrinsic ``Call("if_then_else")`` evaluates
  only the arm it takes, so it may guard an out-of-bounds load.
* ``Ramp(base, stride, lanes)`` is the vector ``[base + i*stride for i in range(lanes)]``;
  ``Broadcast(value, lanes)`` repeats a scalar.
* ``TensorRead`` reads a tensor of the tensor-expression language by
  multi-dimensional indices; storage flattening turns it into ``Load`` from a
  one-dimensional :class:`~tecomp.ir.buffer.Buffer` at an element offset.

Nodes are frozen dataclasses compared by identity; variables are objects, so two
variables named ``i`` never collide. :func:`tecomp.ir.functor.structural_equal`
compares structure. The arithmetic dunders of :class:`PrimExpr` are sugar for
users; compiler code builds nodes explicitly.
"""

from dataclasses import dataclass, field
from typing import Optional, Tuple

from ..errors import ExprError, InternalError
from . import dtype as dt

node = dataclass(frozen=True, slots=True, eq=False, repr=False)


class PrimExpr:
    """Base class of expressions. Arithmetic operators build new nodes."""

    __slots__ = ()

    # Operator sugar lives in tecomp.ir.op, installed below, so this module
    # stays a plain list of nodes.
    def __hash__(self):
        return id(self)

    def __bool__(self):
        raise ExprError(
            f"the symbolic expression `{self}` has no Python truth value; inside a "
            "compute lambda use te.if_then_else / te.select, and te.all / te.any "
            "to combine conditions")

    def same_as(self, other):
        return self is other

    def __repr__(self):
        return _printer.expr_to_str(self)

    __str__ = __repr__


@dataclass(frozen=True, eq=False, repr=False)   # not slotted: weak references allowed
class Var(PrimExpr):
    """A variable: a loop index, a symbolic size or a let-bound value."""
    name: str
    dtype: str = dt.INDEX


@node
class IntImm(PrimExpr):
    dtype: str
    value: int

    # `int(A.shape[0])` works for constant extents, as in TVM.
    def __int__(self):
        return self.value

    __index__ = __int__


@node
class FloatImm(PrimExpr):
    dtype: str
    value: float

    def __float__(self):
        return self.value


@node
class StringImm(PrimExpr):
    value: str
    dtype: str = "handle"


@node
class Cast(PrimExpr):
    dtype: str
    value: PrimExpr


class BinaryOp(PrimExpr):
    __slots__ = ()

    def __post_init__(self):
        if self.a.dtype != self.b.dtype:
            raise InternalError(f"{type(self).__name__} operands differ in dtype: "
                                f"{self.a.dtype} vs {self.b.dtype}")
        object.__setattr__(self, "dtype", self._result_dtype(self.a.dtype))

    @staticmethod
    def _result_dtype(operand_dtype):
        return operand_dtype


class CmpOp(BinaryOp):
    __slots__ = ()

    @staticmethod
    def _result_dtype(operand_dtype):
        return dt.with_lanes("bool", dt.lanes_of(operand_dtype))


def _binary(name, base=BinaryOp, doc=""):
    cls = type(name, (base,), {"__annotations__": {"a": PrimExpr, "b": PrimExpr, "dtype": str},
                               "dtype": field(init=False, repr=False), "__doc__": doc})
    return node(cls)


Add = _binary("Add")
Sub = _binary("Sub")
Mul = _binary("Mul")
Div = _binary("Div", doc="True division on floats, truncating division on integers.")
Mod = _binary("Mod", doc="Truncating remainder (sign of the dividend).")
FloorDiv = _binary("FloorDiv")
FloorMod = _binary("FloorMod", doc="Floor remainder (sign of the divisor).")
Min = _binary("Min")
Max = _binary("Max")
EQ = _binary("EQ", CmpOp)
NE = _binary("NE", CmpOp)
LT = _binary("LT", CmpOp)
LE = _binary("LE", CmpOp)
GT = _binary("GT", CmpOp)
GE = _binary("GE", CmpOp)
And = _binary("And")
Or = _binary("Or")


def _eq_bool(self):
    # Lets `x == y` on two expressions work as a dictionary key comparison.
    return self.a is self.b


def _ne_bool(self):
    return self.a is not self.b


EQ.__bool__ = _eq_bool
NE.__bool__ = _ne_bool


@node
class Not(PrimExpr):
    a: PrimExpr
    dtype: str = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "dtype", self.a.dtype)


@node
class Select(PrimExpr):
    condition: PrimExpr
    true_value: PrimExpr
    false_value: PrimExpr
    dtype: str = field(init=False, repr=False)

    def __post_init__(self):
        if self.true_value.dtype != self.false_value.dtype:
            raise InternalError("Select arms differ in dtype")
        object.__setattr__(self, "dtype", self.true_value.dtype)


@node
class Ramp(PrimExpr):
    base: PrimExpr
    stride: PrimExpr
    lanes: int
    dtype: str = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "dtype", dt.with_lanes(self.base.dtype, self.lanes))


@node
class Broadcast(PrimExpr):
    value: PrimExpr
    lanes: int
    dtype: str = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "dtype", dt.with_lanes(self.value.dtype, self.lanes))


@node
class Let(PrimExpr):
    var: Var
    value: PrimExpr
    body: PrimExpr
    dtype: str = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "dtype", self.body.dtype)


@node
class Call(PrimExpr):
    """An intrinsic call: math functions, ``if_then_else``, GPU builtins.

    ``op`` is the intrinsic's name: a math function of :mod:`tecomp.te.api` (``exp``,
    ``sqrt``, ``erf``...), ``if_then_else``, ``isnan``, a bitwise operation; each
    backend's table says what it emits (``codegen.llvm.intrinsics``,
    ``codegen.c_source.dialect``)."""
    dtype: str
    op: str
    args: Tuple[PrimExpr, ...]


@node
class TensorRead(PrimExpr):
    """``tensor[indices]`` in the tensor-expression language."""
    tensor: object
    indices: Tuple[PrimExpr, ...]
    dtype: str = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "dtype", self.tensor.dtype)


@node
class Load(PrimExpr):
    """Read ``buffer`` at element offset ``index`` (a ``Ramp`` for vector loads)."""
    dtype: str
    buffer: object
    index: PrimExpr
    predicate: Optional[PrimExpr] = None


# ---------------------------------------------------------------- iteration


@node
class Range:
    """The half-open interval ``[min, min + extent)``."""
    min: PrimExpr
    extent: PrimExpr

    def __repr__(self):
        return f"Range(min={self.min}, extent={self.extent})"

    @staticmethod
    def from_min_extent(min_value, extent):
        return Range(const_index(min_value), const_index(extent))


class IterVarType:
    DATA_PAR = "data_par"
    COMM_REDUCE = "comm_reduce"
    THREAD_INDEX = "thread_index"
    ORDERED = "ordered"


@node
class IterVar:
    """An iteration variable over a domain: a compute axis, a reduce axis, a
    loop produced by split/fuse, or a GPU thread index."""
    dom: Optional[Range]
    var: Var
    iter_type: str = IterVarType.DATA_PAR
    thread_tag: str = ""

    @property
    def name(self):
        return self.var.name

    def __repr__(self):
        if self.dom is None:
            dom = "?"
        elif is_const_int(self.dom.min, 0):
            dom = f"[0, {self.dom.extent})"
        else:
            dom = f"[{self.dom.min}, {self.dom.min} + {self.dom.extent})"
        tag = f", {self.thread_tag!r}" if self.thread_tag else ""
        return f"IterVar({self.var.name}, {dom}{tag})"

    # Hashing by identity and the operator sugar (``iv == j`` builds an EQ node)
    # are installed below, as on PrimExpr. An IterVar reads like its variable
    # inside expressions (TVM allows `i + 1`).
    def _as_expr(self):
        return self.var


@node
class CommReducer:
    """A commutative reducer: ``result = combine(lhs, rhs)`` with an identity."""
    lhs: Tuple[Var, ...]
    rhs: Tuple[Var, ...]
    result: Tuple[PrimExpr, ...]
    identity: Tuple[PrimExpr, ...]
    name: str = "reduce"

    def __repr__(self):
        return f"CommReducer({self.name})"

    def combine(self, lhs_values, rhs_values):
        mapping = dict(zip(self.lhs, lhs_values))
        mapping.update(zip(self.rhs, rhs_values))
        return tuple(_functor.substitute(r, mapping) for r in self.result)


@node
class Reduce(PrimExpr):
    """A reduction of ``source`` over ``axis`` with ``combiner``; only at the top of
    a compute body. ``value_index`` picks the output of a multi-value reducer.
    ``init`` (one expression per value, or None) replaces the combiner's identity
    as the starting value, as TVM's ``te.sum(..., init=...)``."""
    combiner: CommReducer
    source: Tuple[PrimExpr, ...]
    axis: Tuple[IterVar, ...]
    condition: Optional[PrimExpr]
    value_index: int = 0
    init: Optional[Tuple[PrimExpr, ...]] = None
    dtype: str = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "dtype", self.source[self.value_index].dtype)


# ---------------------------------------------------------------- constants


def const(value, dtype=None):
    """A constant node. Without a dtype: int -> int32, float -> float32, bool -> bool."""
    if isinstance(value, PrimExpr):
        return value
    if dtype is None:
        if isinstance(value, bool):
            dtype = "bool"
        elif isinstance(value, int):
            dtype = "int32"
        elif isinstance(value, float):
            dtype = "float32"
        else:
            raise ExprError(f"cannot make a constant from {value!r} of type {type(value).__name__}")
    dtype = dt.canonical(dtype)
    lanes = dt.lanes_of(dtype)
    if lanes > 1:
        return Broadcast(const(value, dt.element_of(dtype)), lanes)
    if dt.is_float(dtype):
        return FloatImm(dtype, float(value))
    if dt.is_bool(dtype):
        return IntImm(dtype, int(bool(value)))
    if isinstance(value, float) and not value.is_integer():
        raise ExprError(f"constant {value} does not fit integer dtype {dtype}")
    value = int(value)
    low, high = dt.int_range(dtype)
    if not low <= value <= high:
        raise ExprError(f"constant {value} does not fit dtype {dtype} (range {low}..{high})")
    return IntImm(dtype, value)


def const_index(value):
    """An index-typed (int64) expression from an int or an expression. A narrower
    integer expression is widened inside (``n * m`` of two int32 vars becomes
    ``int64(n) * int64(m)``), so index arithmetic never wraps at 32 bits."""
    if isinstance(value, IterVar):
        return value.var
    if isinstance(value, PrimExpr):
        if value.dtype == dt.INDEX:
            return value
        if not dt.is_integer(value.dtype):
            raise ExprError(f"index expression `{value}` has dtype {value.dtype}; "
                            "indices must be integers")
        return _widen(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ExprError(f"expected an integer index or extent, got {value!r}")
    return IntImm(dt.INDEX, value)


_WIDENS = ("Add", "Sub", "Mul", "FloorDiv", "FloorMod", "Div", "Mod", "Min", "Max")


def _widen(value):
    """An integer expression of a narrower dtype, computed in the index type."""
    if isinstance(value, IntImm):
        return IntImm(dt.INDEX, value.value)
    if type(value).__name__ in _WIDENS and isinstance(value, BinaryOp) and \
            dt.lanes_of(value.dtype) == 1:
        return type(value)(_widen(value.a), _widen(value.b))
    if isinstance(value, Cast) and dt.is_integer(value.value.dtype) and \
            dt.bits_of(value.value.dtype) <= dt.bits_of(value.dtype):
        return _widen(value.value) if value.value.dtype != dt.INDEX else value.value
    return value if value.dtype == dt.INDEX else Cast(dt.INDEX, value)


def is_const_int(expr, value=None):
    if not isinstance(expr, IntImm):
        return False
    return value is None or expr.value == value


# The operator sugar, the printer and substitution build on the node classes
# above, which use them only once constructed: imported after the classes.
from . import op as _op  # noqa: E402
from . import functor as _functor  # noqa: E402
from . import printer as _printer  # noqa: E402
_op.install(PrimExpr, IterVar)

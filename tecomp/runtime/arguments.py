"""Call-time argument checks, built once per function from its parameters.

A call passes the function's ``params`` in order: numpy arrays for Buffers and
Python numbers for scalar Vars. Vars that appear in a buffer's shape are bound
from the arrays' shapes, so they may be left out (``f(a, b, c)``) or passed (then
they must agree). Every argument is checked before native code runs: count,
ndarray-ness, exact dtype, ndim, shape (constants, symbolic Vars that must agree
across arrays, compound extents), C-contiguity, writability of the buffers the
function stores to, and that no written array overlaps another argument (the
native pointers are ``noalias``). Failures raise :class:`ArgumentTypeError` or
:class:`ArgumentValueError` naming the argument by position (1-based) and name.

The checker's fast path does no allocation beyond the two result lists; all
messages are built only on failure.
"""

import numpy as np

from tecomp.errors import ArgumentTypeError, ArgumentValueError, BuildError
from tecomp.ir import Buffer, IntImm, Var
from tecomp.ir import dtype as dt

from .abi import abi_vars, shape_vars, written_buffers
from .evaluate import evaluate

_ndarray = np.ndarray


def _int_range(dtype):
    bits = dt.bits_of(dtype)
    if dt.is_bool(dtype):
        return 0, 1
    if dt.is_uint(dtype):
        return 0, 2 ** bits - 1
    return -2 ** (bits - 1), 2 ** (bits - 1) - 1


def _shape_str(shape):
    return "(" + ", ".join(str(e) for e in shape) + ("," if len(shape) == 1 else "") + ")"


class _BufferSpec:
    __slots__ = ("name", "dtype", "np_dtype", "ndim", "const_dims", "var_dims", "expr_dims",
                 "written", "shape_text")

    def __init__(self, buf, written):
        self.name, self.dtype, self.written = buf.name, buf.dtype, written
        self.np_dtype = dt.numpy_dtype(buf.dtype)
        self.ndim = len(buf.shape)
        self.const_dims = tuple((i, e.value) for i, e in enumerate(buf.shape)
                                if isinstance(e, IntImm))
        self.var_dims = tuple((i, e) for i, e in enumerate(buf.shape) if isinstance(e, Var))
        self.expr_dims = tuple((i, e) for i, e in enumerate(buf.shape)
                               if not isinstance(e, (IntImm, Var)))
        self.shape_text = _shape_str(buf.shape)


class ArgumentChecker:
    """``checker(args) -> (pointers, scalars)`` for the native call of ``func``."""

    def __init__(self, func):
        self.func_name = func.name
        derivable = {e for b in func.buffer_params for e in b.shape if isinstance(e, Var)}
        for var in shape_vars(func):
            if var not in derivable and var not in func.params:
                raise BuildError(f"{func.name}: size variable '{var.name}' appears only inside "
                                 "compound extents of the buffer shapes, so a call cannot bind "
                                 "it; list it among the function's arguments")
        written = set(written_buffers(func))
        self.full = tuple(func.params)
        self.short = tuple(p for p in func.params if not (isinstance(p, Var) and p in derivable))
        self.specs = {p: _BufferSpec(p, p in written) for p in func.params if isinstance(p, Buffer)}
        self.abi_vars = tuple(abi_vars(func))
        self.any_written = bool(written)
        self.narrow_shape_vars = tuple(v for v in derivable if v.dtype != "int64")

    # ------------------------------------------------------------ the call path

    def __call__(self, args):
        params = self.full if len(args) == len(self.full) else self.short
        if len(args) != len(params):
            self._count_error(args)
        pointers, arrays, bound, origin = [], [], {}, {}
        for pos, (param, arg) in enumerate(zip(params, args)):
            spec = self.specs.get(param)
            if spec is None:
                value = self._scalar(pos, param, arg)
                if param in bound and bound[param] != value:
                    raise ArgumentValueError(f"argument {pos + 1} '{param.name}': got {value} "
                                             f"but {origin[param]} gives {bound[param]}")
                bound[param] = value
                origin[param] = f"argument {pos + 1} '{param.name}'"
                continue
            if type(arg) is not _ndarray and not isinstance(arg, _ndarray):
                self._fail_type(pos, spec, arg)
            if arg.dtype != spec.np_dtype:
                raise ArgumentTypeError(f"{self._who(pos, spec)}: expected dtype {spec.dtype}, "
                                        f"got {arg.dtype}")
            shape = arg.shape
            if len(shape) != spec.ndim:
                raise ArgumentValueError(f"{self._who(pos, spec)}: expected {spec.ndim} "
                                         f"dimensions with shape {spec.shape_text}, got "
                                         f"{arg.ndim} with shape {shape}")
            for axis, extent in spec.const_dims:
                if shape[axis] != extent:
                    raise ArgumentValueError(f"{self._who(pos, spec)}: expected shape "
                                             f"{spec.shape_text}, got {shape} (axis {axis} "
                                             f"must be {extent})")
            for axis, var in spec.var_dims:
                seen = bound.get(var)
                if seen is None:
                    bound[var] = shape[axis]
                    origin[var] = f"shape[{axis}] of argument {pos + 1} '{spec.name}'"
                elif seen != shape[axis]:
                    self._disagree(pos, spec, axis, var, seen, origin[var], shape)
            flags = arg.flags
            if not flags.c_contiguous:
                raise ArgumentValueError(f"{self._who(pos, spec)}: expected a C-contiguous "
                                         "array; pass np.ascontiguousarray(x)")
            if spec.written and not flags.writeable:
                raise ArgumentValueError(f"{self._who(pos, spec)}: the function writes this "
                                         "array but it is read-only")
            pointers.append(arg.ctypes.data)
            arrays.append((pos, spec, arg))
        for pos, spec, arg in arrays:
            if spec.expr_dims:
                self._check_expr_dims(pos, spec, arg.shape, bound)
        if self.any_written:
            self._check_overlap(arrays)
        scalars = []
        for var in self.abi_vars:
            scalars.append(bound[var])
        for var in self.narrow_shape_vars:
            value = bound[var]
            low, high = _int_range(var.dtype)
            if not low <= value <= high:
                raise ArgumentValueError(f"{origin[var]}: {var.name} = {value} does not "
                                         f"fit its dtype {var.dtype}")
        return pointers, scalars

    # ------------------------------------------------------------ helpers

    def _who(self, pos, spec):
        return f"argument {pos + 1} '{spec.name}'"

    def _count_error(self, args):
        def names(ps):
            return ", ".join(p.name for p in ps)
        expect = f"{len(self.full)} ({names(self.full)})"
        if len(self.short) != len(self.full):
            expect += f" or {len(self.short)} ({names(self.short)})"
        raise ArgumentTypeError(f"{self.func_name}() takes {expect} arguments, got {len(args)}")

    def _fail_type(self, pos, spec, arg):
        raise ArgumentTypeError(f"{self._who(pos, spec)}: expected a numpy.ndarray of dtype "
                                f"{spec.dtype} and shape {spec.shape_text}, got "
                                f"{type(arg).__name__}")

    def _scalar(self, pos, var, arg):
        who = f"argument {pos + 1} '{var.name}'"
        if dt.is_float(var.dtype):
            if isinstance(arg, (bool, np.bool_)) or not isinstance(arg, (int, float, np.integer,
                                                                         np.floating)):
                raise ArgumentTypeError(f"{who}: expected a number of dtype {var.dtype}, got "
                                        f"{type(arg).__name__}")
            return float(arg)
        if isinstance(arg, (bool, np.bool_)) and not dt.is_bool(var.dtype) or not isinstance(
                arg, (int, np.integer, bool, np.bool_)):
            raise ArgumentTypeError(f"{who}: expected an integer of dtype {var.dtype}, got "
                                    f"{type(arg).__name__}")
        value = int(arg)
        low, high = _int_range(var.dtype)
        if not low <= value <= high:
            raise ArgumentValueError(f"{who}: {value} does not fit dtype {var.dtype} "
                                     f"({low}..{high})")
        return value

    def _disagree(self, pos, spec, axis, var, seen, where, shape):
        raise ArgumentValueError(
            f"{self._who(pos, spec)}: shape[{axis}] is {shape[axis]} but {var.name} = {seen} "
            f"from {where} (expected shape {spec.shape_text}, got {shape})")

    def _check_expr_dims(self, pos, spec, shape, bound):
        for axis, expr in spec.expr_dims:
            want = evaluate(expr, bound)
            if shape[axis] != want:
                raise ArgumentValueError(f"{self._who(pos, spec)}: expected shape "
                                         f"{spec.shape_text}, got {shape} (axis {axis} must be "
                                         f"{expr} = {want})")

    def _check_overlap(self, arrays):
        ranges = []
        for pos, spec, arg in arrays:
            if arg.nbytes:
                start = arg.ctypes.data
                ranges.append((start, start + arg.nbytes, pos, spec))
        for i, (s1, e1, p1, spec1) in enumerate(ranges):
            for s2, e2, p2, spec2 in ranges[i + 1:]:
                if s1 < e2 and s2 < e1 and (spec1.written or spec2.written):
                    out, other = ((p1, spec1), (p2, spec2)) if spec1.written else (
                        (p2, spec2), (p1, spec1))
                    raise ArgumentValueError(
                        f"{self._who(*out)} overlaps {self._who(*other)} in memory; the "
                        "function writes it, so pass a separate array (e.g. a copy)")

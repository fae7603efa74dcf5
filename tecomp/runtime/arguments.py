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

from tecomp.abi import abi_vars, extent_text, shape_vars, size_var
from .evaluate import evaluate
from .signature import Signature

_ndarray = np.ndarray


def _shape_str(shape):
    dims = [extent_text(e) for e in shape]
    return "(" + ", ".join(dims) + ("," if len(shape) == 1 else "") + ")"


class _BufferSpec:
    __slots__ = ("name", "dtype", "np_dtype", "ndim", "const_dims", "var_dims", "expr_dims",
                 "written", "shape_text")

    def __init__(self, buf, written):
        self.name, self.dtype, self.written = buf.name, buf.dtype, written
        self.np_dtype = dt.numpy_dtype(buf.dtype)
        self.ndim = len(buf.shape)
        self.const_dims = tuple((i, e.value) for i, e in enumerate(buf.shape)
                                if isinstance(e, IntImm))
        self.var_dims = tuple((i, size_var(e)) for i, e in enumerate(buf.shape)
                              if size_var(e) is not None)
        self.expr_dims = tuple((i, e) for i, e in enumerate(buf.shape)
                               if not isinstance(e, IntImm) and size_var(e) is None)
        self.shape_text = _shape_str(buf.shape)


class _ScalarSpec:
    __slots__ = ("name", "dtype", "slot")

    def __init__(self, var, slot):
        self.name, self.dtype, self.slot = var.name, var.dtype, slot


def keyword_error(func, kwargs):
    """The :class:`ArgumentTypeError` for a call of ``func`` (a PrimFunc or
    Signature) with keyword arguments: calls are positional, as in C."""
    names = ", ".join(p.name for p in func.params)
    given = ", ".join(repr(k) for k in kwargs)
    return ArgumentTypeError(f"{func.name}: keyword arguments are not supported (got "
                             f"{given}); pass the arguments by position: {func.name}({names})")


class ArgumentChecker:
    """``checker(args) -> (arrays, scalars)``: the arrays in buffer-parameter order
    and the scalar values of the ABI variables, for the native call of ``func``.

    Variables get integer slots at build time so the call path indexes lists
    instead of hashing IR nodes. Overlap of written arrays is checked by
    :meth:`check_overlap`, which the caller runs (or the native entry wrapper does
    the same test and the caller runs this for the message).
    """

    def __init__(self, func):
        func = func if isinstance(func, Signature) else Signature.from_func(func)
        self.func_name = func.name
        derivable = [size_var(e) for b in func.buffer_params for e in b.shape
                     if size_var(e) is not None]
        for var in shape_vars(func):
            if var not in derivable and var not in func.params:
                raise BuildError(f"{func.name}: size variable '{var.name}' appears only inside "
                                 "compound extents of the buffer shapes, so a call cannot bind "
                                 "it; list it among the function's arguments")
        written = func.written
        self.vars = tuple(abi_vars(func))
        slot = {v: i for i, v in enumerate(self.vars)}
        specs = {}
        for p in func.params:
            if isinstance(p, Buffer):
                specs[p] = _BufferSpec(p, p in written)
                specs[p].var_dims = tuple((axis, slot[v]) for axis, v in specs[p].var_dims)
            else:
                specs[p] = _ScalarSpec(p, slot[p])
        self.full = tuple(func.params)
        self.short = tuple(p for p in func.params if not (isinstance(p, Var) and p in derivable))
        self.plan_full = tuple(enumerate(specs[p] for p in self.full))
        self.plan_short = tuple(enumerate(specs[p] for p in self.short))
        self.buffer_specs = tuple(specs[b] for b in func.buffer_params)
        index = {b: k for k, b in enumerate(func.buffer_params)}
        #: pairs of buffer indices that may be passed as the very same array
        self.aliases = frozenset(frozenset((index[o], index[i])) for o, i in func.aliases)
        self.any_written = bool(written)
        self.narrow = tuple((slot[v], v) for v in dict.fromkeys(derivable) if v.dtype != "int64")
        self.expr_specs = any(specs[b].expr_dims for b in func.buffer_params)

    # ------------------------------------------------------------ the call path

    def __call__(self, args):
        n = len(args)
        if n == len(self.plan_full):
            plan = self.plan_full
        elif n == len(self.plan_short):
            plan = self.plan_short
        else:
            self._count_error(args)
        bound = [None] * len(self.vars)
        arrays = []
        for (pos, spec), arg in zip(plan, args):
            if type(spec) is _ScalarSpec:
                value = self._scalar(pos, spec, arg)
                seen = bound[spec.slot]
                if seen is not None and seen != value:
                    raise ArgumentValueError(f"argument {pos + 1} '{spec.name}': got {value} "
                                             f"but {self._origin(args, plan, spec.slot)} gives "
                                             f"{seen}")
                bound[spec.slot] = value
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
            for axis, slot in spec.var_dims:
                seen = bound[slot]
                if seen is None:
                    bound[slot] = shape[axis]
                elif seen != shape[axis]:
                    self._disagree(args, plan, pos, spec, axis, slot, seen, shape)
            flags = arg.flags
            if not flags.c_contiguous:
                raise ArgumentValueError(f"{self._who(pos, spec)}: expected a C-contiguous "
                                         "array; pass np.ascontiguousarray(x)")
            if spec.written and not flags.writeable:
                raise ArgumentValueError(f"{self._who(pos, spec)}: the function writes this "
                                         "array but it is read-only")
            arrays.append(arg)
        if self.expr_specs:
            self._check_expr_dims(args, plan, bound)
        for slot, var in self.narrow:
            low, high = dt.int_range(var.dtype)
            if not low <= bound[slot] <= high:
                raise ArgumentValueError(f"{self._origin(args, plan, slot)}: {var.name} = "
                                         f"{bound[slot]} does not fit its dtype {var.dtype}")
        return arrays, bound

    # ------------------------------------------------------------ helpers (error paths)

    def _who(self, pos, spec):
        return f"argument {pos + 1} '{spec.name}'"

    def _origin(self, args, plan, slot):
        """Where the value of variable ``slot`` was first bound, in words."""
        for (pos, spec), arg in zip(plan, args):
            if type(spec) is _ScalarSpec and spec.slot == slot:
                return self._who(pos, spec)
            for axis, s in getattr(spec, "var_dims", ()):
                if s == slot:
                    return f"shape[{axis}] of {self._who(pos, spec)}"
        return "?"

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

    def _scalar(self, pos, spec, arg):
        who = self._who(pos, spec)
        if dt.is_float(spec.dtype):
            if isinstance(arg, (bool, np.bool_)) or not isinstance(arg, (int, float, np.integer,
                                                                         np.floating)):
                raise ArgumentTypeError(f"{who}: expected a number of dtype {spec.dtype}, got "
                                        f"{type(arg).__name__}")
            return float(arg)
        if isinstance(arg, (bool, np.bool_)) and not dt.is_bool(spec.dtype) or not isinstance(
                arg, (int, np.integer, bool, np.bool_)):
            raise ArgumentTypeError(f"{who}: expected an integer of dtype {spec.dtype}, got "
                                    f"{type(arg).__name__}")
        value = int(arg)
        low, high = dt.int_range(spec.dtype)
        if not low <= value <= high:
            raise ArgumentValueError(f"{who}: {value} does not fit dtype {spec.dtype} "
                                     f"({low}..{high})")
        return value

    def _disagree(self, args, plan, pos, spec, axis, slot, seen, shape):
        raise ArgumentValueError(
            f"{self._who(pos, spec)}: shape[{axis}] is {shape[axis]} but "
            f"{self.vars[slot].name} = {seen} from {self._origin(args, plan, slot)} "
            f"(expected shape {spec.shape_text}, got {shape})")

    def _check_expr_dims(self, args, plan, bound):
        values = dict(zip(self.vars, bound))
        for (pos, spec), arg in zip(plan, args):
            for axis, expr in getattr(spec, "expr_dims", ()):
                want = evaluate(expr, values)
                if arg.shape[axis] != want:
                    raise ArgumentValueError(f"{self._who(pos, spec)}: expected shape "
                                             f"{spec.shape_text}, got {arg.shape} (axis {axis} "
                                             f"must be {expr} = {want})")

    def check_overlap(self, args, arrays):
        """Raise if a written array overlaps another array argument."""
        plan = self.plan_full if len(args) == len(self.plan_full) else self.plan_short
        positions = [pos for pos, spec in plan if type(spec) is _BufferSpec]
        ranges = []
        for k, (pos, spec, arg) in enumerate(zip(positions, self.buffer_specs, arrays)):
            if arg.nbytes:
                start = arg.ctypes.data
                ranges.append((start, start + arg.nbytes, pos, spec, k))
        for i, (s1, e1, p1, spec1, k1) in enumerate(ranges):
            for s2, e2, p2, spec2, k2 in ranges[i + 1:]:
                if s1 == s2 and e1 == e2 and frozenset((k1, k2)) in self.aliases:
                    continue    # a pointwise update in place, f(W, dW, W)
                if s1 < e2 and s2 < e1 and (spec1.written or spec2.written):
                    out, other = ((p1, spec1), (p2, spec2)) if spec1.written else (
                        (p2, spec2), (p1, spec1))
                    raise ArgumentValueError(
                        f"{self._who(*out)} overlaps {self._who(*other)} in memory; the "
                        "function writes it, so pass a separate array (e.g. a copy)")

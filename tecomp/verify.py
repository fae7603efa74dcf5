"""``verify``: check a schedule against the unscheduled program on random inputs.

A schedule must never change what a program computes, only how. ``verify(s, args)``
builds ``s`` (bounds-checked, see :mod:`tecomp.transform.bounds_check`) and a
fresh default schedule of the same output operations (every stage at the root,
no loop transformations), runs both on the same random inputs of the declared
shapes and dtypes, and compares every output::

    s = te.create_schedule(C.op)
    xo, xi = s[C].split(C.op.axis[0], factor=8)
    s[B].compute_at(s[C], xo)
    te.verify(s, [A, C])              # raises VerificationError on a difference
    te.verify(s_gpu, [A, C], target="opencl")   # a GPU schedule against the host
    print(te.verify(s, [A, C]))       # "verify: OK, 1 output(s) ... n=7; n=13"

Symbolic sizes take the values in ``shapes`` (``{n: 16}`` or ``{"n": 16}``); by
default each is tried at 7 and 13, small sizes that most split factors do not
divide. Outputs of the scheduled program start filled with NaN (or an unusual
integer), so an element it forgets to write shows up as a mismatch.
"""

from dataclasses import dataclass, field

import numpy as np

from .build import build
from .errors import ArgumentError, TecompError, VerificationError
from .ir import Var
from .ir import dtype as dt
from .runtime import KernelAssertionError
from .runtime.evaluate import evaluate
from .schedule import Schedule, create_schedule
from .te.tensor import PlaceholderOp, Tensor

#: Default values tried for each symbolic size.
DEFAULT_SIZES = (7, 13)

_RTOL = {"float16": 1e-2, "float32": 1e-4, "float64": 1e-9}


@dataclass
class Mismatch:
    """The first differing element of one output."""
    output: str
    index: tuple
    got: object
    expected: object
    count: int          # how many elements differ
    total: int          # elements in the output
    sizes: dict         # the symbolic sizes of this run

    def __str__(self):
        where = ", ".join(f"{k}={v}" for k, v in self.sizes.items())
        return (f"output '{self.output}' differs at index {self.index}: scheduled gives "
                f"{self.got!r}, unscheduled gives {self.expected!r} ({self.count} of "
                f"{self.total} elements differ{'; ' + where if where else ''})")


@dataclass
class VerifyResult:
    """What :func:`verify` compared. ``ok`` is False when ``mismatch`` is set."""
    outputs: list
    runs: list = field(default_factory=list)     # the size bindings tried
    mismatch: Mismatch = None
    max_error: dict = field(default_factory=dict)   # output -> largest abs difference

    @property
    def ok(self):
        return self.mismatch is None

    def __bool__(self):
        return self.ok

    def __str__(self):
        if not self.ok:
            return f"verify: MISMATCH, {self.mismatch}"
        runs = "; ".join(", ".join(f"{k}={v}" for k, v in r.items()) or "constant shapes"
                         for r in self.runs)
        return (f"verify: OK, {len(self.outputs)} output(s) [{', '.join(self.outputs)}] agree "
                f"with the unscheduled program ({runs})")


def verify(s, args, shapes=None, target="llvm", seed=0, rtol=None, atol=None,
           raise_error=True):
    """Build schedule ``s`` with argument list ``args`` and the unscheduled program
    of the same outputs, run both on random inputs and compare the outputs.

    Parameters
    ----------
    s : Schedule
    args : list of Tensor and Var, as for :func:`tecomp.build`
    shapes : dict, optional
        Values of symbolic sizes, keyed by Var or by name; a list of such dicts
        tries each. Default: every size at 7, then at 13.
    seed : int
        Seed of the random inputs.
    rtol, atol : float, optional
        Float tolerance (default by dtype: 1e-2 float16, 1e-4 float32, 1e-9
        float64; ``atol`` defaults to ``rtol`` times the output's largest magnitude).
    raise_error : bool
        Raise :class:`VerificationError` on a mismatch (default) or return the result.

    Returns
    -------
    VerifyResult
    """
    if not isinstance(s, Schedule):
        raise VerificationError(f"verify: first argument must be a schedule "
                                f"(te.create_schedule), got {type(s).__name__}")
    if not isinstance(args, (list, tuple)) or not args:
        raise VerificationError(f"verify: args must be the list of tensors and vars given "
                                f"to build, got {args!r}")

    reference = create_schedule(list(s.outputs))
    try:
        scheduled = build(s, list(args), target=target, name="scheduled", debug=True)
    except TecompError as exc:
        raise type(exc)(f"verify: building the scheduled program failed: {exc}") from exc
    # The reference runs on the host: the unscheduled program binds no GPU
    # thread, so a GPU build of it would be refused.
    unscheduled = build(reference, list(args), target="llvm", name="unscheduled", debug=True)

    output_ops = set(s.outputs)
    tensors = [a for a in args if isinstance(a, Tensor)]
    outputs = [t for t in tensors if not isinstance(t.op, PlaceholderOp)]
    result = VerifyResult([t.name for t in outputs])
    if not any(t.op in output_ops for t in outputs):
        raise VerificationError("verify: none of the schedule's outputs is in args")
    rng = np.random.default_rng(seed)
    func = scheduled.funcs[0]
    for sizes in _bindings(func, shapes):
        values = {v: sizes[v] for v in sizes}
        inputs = {t: _random(rng, t, _shape(t, values)) for t in tensors
                  if isinstance(t.op, PlaceholderOp)}
        scalars = [_scalar_value(rng, v, values) for v in func.scalar_params]
        runs = {}
        for name, module, fill in (("scheduled", scheduled, True),
                                   ("unscheduled", unscheduled, False)):
            arrays = [inputs[t].copy() if t in inputs else _output(t, _shape(t, values), fill)
                      for t in tensors]
            try:
                module(*arrays, *scalars)
            except KernelAssertionError as exc:
                raise VerificationError(f"verify: the {name} program failed at run time "
                                        f"({_sizes_text(values)}): {exc}", result) from exc
            except ArgumentError as exc:
                raise VerificationError(f"verify: could not call the {name} program with "
                                        f"sizes {_sizes_text(values)}: {exc}", result) from exc
            runs[name] = arrays
        result.runs.append({v.name: n for v, n in values.items()})
        for position, t in enumerate(tensors):
            if t in inputs:
                continue
            got, expected = runs["scheduled"][position], runs["unscheduled"][position]
            mismatch = _compare(t, got, expected, rtol, atol, result)
            if mismatch is not None:
                mismatch.sizes = {v.name: n for v, n in values.items()}
                result.mismatch = mismatch
                if raise_error:
                    raise VerificationError(f"verify: {mismatch}", result)
                return result
    return result


# ------------------------------------------------------------ helpers


def _bindings(func, shapes):
    variables = [v for v in func.scalar_params]
    if shapes is None:
        shapes = [{} for _ in DEFAULT_SIZES] if variables else [{}]
        defaults = DEFAULT_SIZES
    else:
        shapes = shapes if isinstance(shapes, (list, tuple)) else [shapes]
        defaults = (DEFAULT_SIZES[0],) * len(shapes)
    out = []
    for given, default in zip(shapes, defaults):
        if not isinstance(given, dict):
            raise VerificationError(f"verify: shapes must be a dict {{var: size}} or a list of "
                                    f"them, got {given!r}")
        by_name = {(k.name if isinstance(k, Var) else k): v for k, v in given.items()}
        names = {v.name for v in variables}
        unknown = sorted(set(by_name) - names)
        if unknown:
            raise VerificationError(f"verify: shapes names {unknown}, which are not symbolic "
                                    f"sizes of the program; its sizes are {sorted(names)}")
        binding = {}
        for v in variables:
            value = by_name.get(v.name, default if dt.is_integer(v.dtype) else None)
            binding[v] = value
        out.append(binding)
    return out


def _sizes_text(values):
    return ", ".join(f"{v.name}={n}" for v, n in values.items()) or "constant shapes"


def _shape(t, values):
    return tuple(int(evaluate(e, values)) for e in t.shape)


def _scalar_value(rng, var, values):
    if values.get(var) is not None:
        return values[var]
    value = float(rng.uniform(-1, 1)) if dt.is_float(var.dtype) else int(rng.integers(1, 8))
    values[var] = value
    return value


def _random(rng, t, shape):
    dtype = np.dtype(dt.numpy_dtype(t.dtype))
    if dtype.kind == "f":
        return rng.uniform(-1, 1, size=shape).astype(dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, size=shape).astype(dtype)
    if dtype.kind == "u":
        return rng.integers(1, 16, size=shape).astype(dtype)
    # Non-zero, so a program that divides by an input stays defined.
    values = rng.integers(1, 9, size=shape) * rng.choice([-1, 1], size=shape)
    return values.astype(dtype)


def _output(t, shape, fill):
    dtype = np.dtype(dt.numpy_dtype(t.dtype))
    if not fill:
        return np.zeros(shape, dtype)
    if dtype.kind == "f":
        return np.full(shape, np.nan, dtype)
    if dtype.kind == "b":
        return np.ones(shape, dtype)
    return np.full(shape, np.iinfo(dtype).max - 3, dtype)


def _compare(t, got, expected, rtol, atol, result):
    if got.size == 0:
        return None
    if np.dtype(got.dtype).kind == "f":
        tol = rtol if rtol is not None else _RTOL.get(t.dtype, 1e-4)
        scale = float(np.nanmax(np.abs(np.where(np.isfinite(expected), expected, 0))))
        absolute = atol if atol is not None else tol * max(1.0, scale)
        with np.errstate(invalid="ignore"):
            bad = ~np.isclose(got, expected, rtol=tol, atol=absolute, equal_nan=True)
            diff = np.abs(got.astype("float64") - expected.astype("float64"))
        finite = diff[np.isfinite(diff)]
        result.max_error[t.name] = float(finite.max()) if finite.size else 0.0
    else:
        bad = got != expected
        result.max_error[t.name] = 0 if not bad.any() else float(
            np.abs(got.astype("float64") - expected.astype("float64")).max())
    if not bad.any():
        return None
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    return Mismatch(t.name, first, got[first].item(), expected[first].item(), int(bad.sum()),
                    int(bad.size), {})

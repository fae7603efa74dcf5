"""A native CPython entry per kernel: the checked call without ctypes.

For each function, a JIT-compiled ``METH_FASTCALL`` C function

    PyObject *entry(PyObject *self, PyObject *const *args, Py_ssize_t nargs)

wrapped by ``PyCFunction_NewEx`` into a builtin callable, does the whole fast
path natively (this is what numba's dispatchers and TVM's PackedFunc do):

* ``nargs`` is one of the accepted counts; each array argument is exactly a
  ``numpy.ndarray`` whose descr is the canonical ``dtype`` object of the
  parameter, of the right ``ndim``, C-contiguous (and writeable if the kernel
  writes it), with constant extents equal and symbolic extents agreeing across
  arrays and with passed scalars; compound extents (``n + 6``) are evaluated;
  narrow size variables fit their dtype; scalars are exact ``int``/``float``;
* no written array overlaps another argument;
* it calls the kernel with the GIL released, and returns ``None``.

Anything else (a failed check, but also an argument the fast path does not
handle, such as an ndarray subclass, a numpy scalar or a non-canonical dtype
object) is handed unchanged to ``self[0]``, the Python checker path, which
either raises the detailed message or completes the call. A nonzero kernel
return code calls ``self[1](code)``, which raises. So the fast path may be
conservative but never decides an error on its own.

Field offsets are numpy's public ``PyArrayObject_fields`` and ``PyArray_Descr``
layout (stable across numpy 1.x and 2.x); :func:`available` verifies them on a
real array once, and where they or the C-API functions differ calls go through
ctypes instead.
"""

import collections
import ctypes
import functools
import json

import llvmlite.binding as llvm
import llvmlite.ir as ir
import numpy as np

from tecomp.errors import BuildError
from tecomp.ir import IntImm, Var
from tecomp.ir import dtype as dt

from tecomp.abi import passes_as_double

from .pass_pipeline import run_default_pipeline

I1, I8, I32, I64 = ir.IntType(1), ir.IntType(8), ir.IntType(32), ir.IntType(64)
F64, PTR = ir.DoubleType(), ir.PointerType()

OB_TYPE, TUPLE_ITEMS = 8, 24
ARR_DATA, ARR_NDIM, ARR_DIMS, ARR_DESCR, ARR_FLAGS = 16, 24, 32, 56, 64
FLOAT_VALUE = 16
C_CONTIGUOUS, WRITEABLE = 0x1, 0x400
METH_FASTCALL = 0x80

_CAPI = {   # name: (return type, argument types)
    "PyObject_Vectorcall": (PTR, [PTR, PTR, I64, PTR]),
    "PyLong_AsLongLong": (I64, [PTR]),
    "PyLong_FromLong": (PTR, [I64]),
    "PyLong_AsVoidPtr": (PTR, [PTR]),
    "PyErr_Occurred": (PTR, []),
    "PyErr_Clear": (ir.VoidType(), []),
    "Py_IncRef": (ir.VoidType(), [PTR]),
    "Py_DecRef": (ir.VoidType(), [PTR]),
    "PyEval_SaveThread": (PTR, []),
    "PyEval_RestoreThread": (ir.VoidType(), [PTR]),
}


class _PyMethodDef(ctypes.Structure):
    _fields_ = [("ml_name", ctypes.c_char_p), ("ml_meth", ctypes.c_void_p),
                ("ml_flags", ctypes.c_int), ("ml_doc", ctypes.c_char_p)]


def _address(obj):
    return ctypes.cast(obj, ctypes.c_void_p).value


@functools.lru_cache(maxsize=None)
def available():
    """Whether this Python and numpy have the layout and C API the entry assumes."""
    api = ctypes.pythonapi
    if ctypes.sizeof(ctypes.c_void_p) != 8 or not all(hasattr(api, n) for n in _CAPI):
        return False
    if not hasattr(api, "PyCFunction_NewEx"):
        return False
    a = np.zeros((3, 5), "float32")
    view = a[:, ::2]
    view.flags.writeable = False

    def at(obj, offset, ctype=ctypes.c_void_p):
        return ctype.from_address(id(obj) + offset).value

    dims = at(a, ARR_DIMS)
    ok = (at(a, OB_TYPE) == id(np.ndarray) and at(a, ARR_DATA) == a.ctypes.data
          and at(a, ARR_NDIM, ctypes.c_int) == 2 and dims is not None
          and (ctypes.c_int64 * 2).from_address(dims)[:] == [3, 5]
          and at(a, ARR_DESCR) == id(a.dtype)
          and at(a, ARR_FLAGS, ctypes.c_int) & (C_CONTIGUOUS | WRITEABLE)
          == C_CONTIGUOUS | WRITEABLE
          and at(view, ARR_FLAGS, ctypes.c_int) & (C_CONTIGUOUS | WRITEABLE) == 0
          and at(1.5, FLOAT_VALUE, ctypes.c_double) == 1.5
          and at((a, view), TUPLE_ITEMS) == id(a)
          and at(7, OB_TYPE) == id(int) and at(1.5, OB_TYPE) == id(float))
    return bool(ok)


@functools.lru_cache(maxsize=None)
def _register_symbols():
    for name in _CAPI:
        llvm.add_symbol(name, _address(getattr(ctypes.pythonapi, name)))


def _const_ptr(address):
    return ir.Constant(I64, address).inttoptr(PTR)


class _Unsupported(Exception):
    """A signature the native entry does not handle (the ctypes path does)."""


class _EntryBuilder:
    def __init__(self, module, name, sig, check):
        self.sig, self.check = sig, check
        fnty = ir.FunctionType(PTR, [PTR, PTR, I64])
        self.fn = ir.Function(module, fnty, name)
        self.fn.attributes.add("nounwind")
        self.module = module
        self.b = ir.IRBuilder(self.fn.append_basic_block("entry"))
        self.fail = self.fn.append_basic_block("fallback")

    def capi(self, name):
        if name in self.module.globals:
            return self.module.globals[name]
        ret, args = _CAPI[name]
        return ir.Function(self.module, ir.FunctionType(ret, args), name)

    def load(self, ptr, offset, ty):
        b = self.b
        return b.load(b.gep(ptr, [ir.Constant(I64, offset)], source_etype=I8), typ=ty)

    def require(self, cond):
        """Continue when ``cond`` holds, else go to the Python fallback."""
        ok = self.fn.append_basic_block("ok")
        self.b.cbranch(cond, ok, self.fail)
        self.b.position_at_end(ok)

    def eq(self, a, b):
        return self.b.icmp_unsigned("==", a, b)

    # ------------------------------------------------------------ the entry

    def build(self):
        b = self.b
        self_obj, args, nargs = self.fn.args
        plans = [(len(self.check.plan_full), self.check.plan_full)]
        if len(self.check.plan_short) != len(self.check.plan_full):
            plans.append((len(self.check.plan_short), self.check.plan_short))
        for count, plan in plans:
            body = self.fn.append_basic_block(f"nargs{count}")
            nxt = self.fn.append_basic_block("next")
            b.cbranch(self.eq(nargs, ir.Constant(I64, count)), body, nxt)
            b.position_at_end(body)
            self.call_with_plan(plan, self_obj, args)
            b.position_at_end(nxt)
        b.branch(self.fail)
        b.position_at_end(self.fail)
        fallback = self.load(self_obj, TUPLE_ITEMS, PTR)
        b.ret(b.call(self.capi("PyObject_Vectorcall"),
                     [fallback, args, nargs, ir.Constant(PTR, None)]))
        return self.fn

    def call_with_plan(self, plan, self_obj, args):
        b = self.b
        bound = {}            # slot -> i64 value
        data, sizes = [], []  # per buffer parameter, in buffer order
        for pos, spec in plan:
            obj = self.load(args, 8 * pos, PTR)
            if type(spec).__name__ == "_ScalarSpec":
                self.scalar(obj, spec, bound)
            else:
                pointer, nbytes = self.array(obj, spec, bound)
                data.append(pointer)
                sizes.append(nbytes)
        self.check_expr_dims(plan, args, bound)
        for slot, var in self.check.narrow:
            low, high = _int_range(var.dtype)
            value = bound[slot]
            self.require(b.and_(b.icmp_signed(">=", value, ir.Constant(I64, low)),
                                b.icmp_signed("<=", value, ir.Constant(I64, high))))
        self.check_overlap(data, sizes)
        self.call_kernel(self_obj, data, [bound[slot] for slot in range(len(self.check.vars))])

    def scalar(self, obj, spec, bound):
        b = self.b
        var = self.check.vars[spec.slot]
        ob_type = self.load(obj, OB_TYPE, PTR)
        if passes_as_double(var):
            self.require(self.eq(ob_type, _const_ptr(id(float))))
            value = self.load(obj, FLOAT_VALUE, F64)
        elif dt.is_bool(spec.dtype):
            raise _Unsupported("bool scalar")
        else:
            self.require(self.eq(ob_type, _const_ptr(id(int))))
            value = b.call(self.capi("PyLong_AsLongLong"), [obj])
            error = self.fn.append_basic_block("maybe_error")
            fine = self.fn.append_basic_block("fine")
            b.cbranch(self.eq(value, ir.Constant(I64, -1)), error, fine)
            b.position_at_end(error)
            raised = b.call(self.capi("PyErr_Occurred"), [])
            clear = self.fn.append_basic_block("clear")
            b.cbranch(self.eq(raised, ir.Constant(PTR, None)), fine, clear)
            b.position_at_end(clear)
            b.call(self.capi("PyErr_Clear"), [])
            b.branch(self.fail)
            b.position_at_end(fine)
            low, high = _int_range(spec.dtype)
            self.require(b.and_(b.icmp_signed(">=", value, ir.Constant(I64, low)),
                                b.icmp_signed("<=", value, ir.Constant(I64, high))))
        if spec.slot in bound:
            if passes_as_double(var):
                raise _Unsupported("float variable bound twice")
            self.require(self.eq(bound[spec.slot], value))
        else:
            bound[spec.slot] = value

    def array(self, obj, spec, bound):
        b = self.b
        self.require(self.eq(self.load(obj, OB_TYPE, PTR), _const_ptr(id(np.ndarray))))
        self.require(self.eq(self.load(obj, ARR_DESCR, PTR),
                             _const_ptr(id(_canonical_dtype(spec.np_dtype)))))
        self.require(self.eq(self.load(obj, ARR_NDIM, I32), ir.Constant(I32, spec.ndim)))
        flags = self.load(obj, ARR_FLAGS, I32)
        need = C_CONTIGUOUS | (WRITEABLE if spec.written else 0)
        self.require(self.eq(b.and_(flags, ir.Constant(I32, need)), ir.Constant(I32, need)))
        dims_ptr = self.load(obj, ARR_DIMS, PTR)
        dims = [self.load(dims_ptr, 8 * axis, I64) for axis in range(spec.ndim)]
        for axis, extent in spec.const_dims:
            self.require(self.eq(dims[axis], ir.Constant(I64, extent)))
        for axis, slot in spec.var_dims:
            if slot in bound:
                self.require(self.eq(bound[slot], dims[axis]))
            else:
                bound[slot] = dims[axis]
        nbytes = ir.Constant(I64, spec.np_dtype.itemsize)
        for d in dims:
            nbytes = b.mul(nbytes, d)
        return self.load(obj, ARR_DATA, PTR), nbytes

    def check_expr_dims(self, plan, args, bound):
        if not self.check.expr_specs:
            return
        for pos, spec in plan:
            for axis, expr in getattr(spec, "expr_dims", ()):
                obj = self.load(args, 8 * pos, PTR)
                dim = self.load(self.load(obj, ARR_DIMS, PTR), 8 * axis, I64)
                self.require(self.eq(dim, self.extent(expr, bound)))

    def extent(self, e, bound):
        b = self.b
        if isinstance(e, IntImm):
            return ir.Constant(I64, e.value)
        if isinstance(e, Var):
            slot = self.check.vars.index(e)
            if slot not in bound:
                raise _Unsupported("unbound variable")
            return bound[slot]
        kind = type(e).__name__
        if kind == "Cast":
            return self.extent(e.value, bound)
        if kind in ("Add", "Sub", "Mul", "Min", "Max"):
            x, y = self.extent(e.a, bound), self.extent(e.b, bound)
            if kind == "Add":
                return b.add(x, y)
            if kind == "Sub":
                return b.sub(x, y)
            if kind == "Mul":
                return b.mul(x, y)
            less = b.icmp_signed("<", x, y)
            return b.select(less, x, y) if kind == "Min" else b.select(less, y, x)
        if kind in ("FloorDiv", "FloorMod") and isinstance(e.b, IntImm) and e.b.value > 0:
            x, d = self.extent(e.a, bound), ir.Constant(I64, e.b.value)
            rem = b.srem(x, d)
            negative = b.icmp_signed("<", rem, ir.Constant(I64, 0))
            if kind == "FloorMod":
                return b.select(negative, b.add(rem, d), rem)
            quot = b.sdiv(x, d)
            return b.select(negative, b.sub(quot, ir.Constant(I64, 1)), quot)
        raise _Unsupported(f"extent {kind}")

    def check_overlap(self, data, sizes):
        written = [s.written for s in self.check.buffer_specs]
        if not any(written) or len(data) < 2:
            return
        b = self.b
        zero = ir.Constant(I64, 0)
        starts = [b.ptrtoint(p, I64) for p in data]
        overlap = ir.Constant(I1, 0)
        for i in range(len(data)):
            for j in range(i + 1, len(data)):
                if not (written[i] or written[j]):
                    continue
                meet = b.and_(b.icmp_unsigned("<", starts[i], b.add(starts[j], sizes[j])),
                              b.icmp_unsigned("<", starts[j], b.add(starts[i], sizes[i])))
                if frozenset((i, j)) in self.check.aliases:   # in place: only the same array
                    same = b.and_(b.icmp_unsigned("==", starts[i], starts[j]),
                                  b.icmp_signed("==", sizes[i], sizes[j]))
                    meet = b.and_(meet, b.not_(same))
                nonempty = b.and_(b.icmp_signed(">", sizes[i], zero),
                                  b.icmp_signed(">", sizes[j], zero))
                overlap = b.or_(overlap, b.and_(meet, nonempty))
        self.require(b.not_(overlap))

    def call_kernel(self, self_obj, data, scalars):
        b = self.b
        types = [PTR] * len(data) + [F64 if passes_as_double(v) else I64
                                     for v in self.check.vars]
        # self[2] is the kernel's address (an int), so one compiled entry serves
        # every kernel with the same signature
        address = b.call(self.capi("PyLong_AsVoidPtr"), [self.load(self_obj, TUPLE_ITEMS + 16,
                                                                   PTR)])
        kernel = b.inttoptr(b.ptrtoint(address, I64), ir.FunctionType(I32, types).as_pointer())
        state = b.call(self.capi("PyEval_SaveThread"), [])
        code = b.call(kernel, data + scalars)
        b.call(self.capi("PyEval_RestoreThread"), [state])
        failed = self.fn.append_basic_block("kernel_failed")
        done = self.fn.append_basic_block("done")
        b.cbranch(self.eq(code, ir.Constant(I32, 0)), done, failed)
        b.position_at_end(done)
        none = _const_ptr(id(None))
        b.call(self.capi("Py_IncRef"), [none])
        b.ret(none)
        b.position_at_end(failed)
        on_code = self.load(self_obj, TUPLE_ITEMS + 8, PTR)
        boxed = b.call(self.capi("PyLong_FromLong"), [b.sext(code, I64)])
        null = ir.Constant(PTR, None)
        with b.if_then(self.eq(boxed, null), likely=False):
            b.ret(null)
        slot = b.alloca(PTR)
        b.store(boxed, slot)
        result = b.call(self.capi("PyObject_Vectorcall"), [on_code, slot, ir.Constant(I64, 1),
                                                           null])
        b.call(self.capi("Py_DecRef"), [boxed])
        b.ret(result)


def _int_range(dtype):
    """The dtype's range (:func:`tecomp.ir.dtype.int_range`) as far as the entry
    compares it: values travel as signed int64, so a uint64 above 2**63 - 1 is
    left to the checked Python path."""
    low, high = dt.int_range(dtype)
    return low, min(high, 2 ** 63 - 1)


@functools.lru_cache(maxsize=None)
def _canonical_dtype(np_dtype):
    """numpy's singleton descr for a builtin dtype (kept alive by this cache)."""
    return np.dtype(np_dtype.str)


#: The entries are straight-line loads and compares: unoptimized (fast-isel) code
#: calls as fast within noise and compiles several times faster than -O2.
_OPT_LEVEL = 0


def _target_machine():
    # not cached: an MCJIT engine takes ownership of its TargetMachine
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    target = llvm.Target.from_triple(llvm.get_process_triple())
    return target.create_target_machine(opt=_OPT_LEVEL, jit=True)


def _compile(modules):
    """One MCJIT engine for the entry modules (text), linked together."""
    tm = _target_machine()
    combined = None
    for text in modules:
        mod = llvm.parse_assembly(text)
        mod.verify()
        if combined is None:
            combined = mod
        else:
            combined.link_in(mod)
    combined.triple = tm.triple
    if _OPT_LEVEL:
        pto = llvm.PipelineTuningOptions(speed_level=_OPT_LEVEL)
        run_default_pipeline(combined, tm, pto)
    engine = llvm.create_mcjit_compiler(combined, tm)
    engine.finalize_object()
    return engine


def _entry_key(sig):
    """What the compiled entry depends on: the signature without names/messages,
    with the in-place pairs (an entry built for a pointwise ``f(A, B)`` lets B be A)."""
    data = sig.to_json()
    for p in data["params"]:
        p.pop("buffer", None)
    return json.dumps([data["params"], [v["dtype"] for v in data["vars"]], data["abi_vars"],
                       data["aliases"]])


#: Compiled entries by signature key: ``(engine, address)``. Bounded; a callable
#: keeps its engine alive itself, so eviction never frees code in use.
_CACHE = collections.OrderedDict()
_CACHE_SIZE = 256


def _compiled_entries(items):
    """``(engine, address)`` or ``None`` for each ``(signature, checker)``."""
    results, texts, pending = [None] * len(items), [], {}
    for k, (sig, check) in enumerate(items):
        try:
            key = _entry_key(sig)
        except BuildError:          # an extent the metadata cannot describe
            continue
        if key in _CACHE:
            _CACHE.move_to_end(key)
            results[k] = _CACHE[key]
        elif key in pending:
            pending[key][1].append(k)
        else:
            module = ir.Module(name=f"tecomp_fastcall_{k}")
            name = f"__tecomp_fastcall_{len(texts)}"
            try:
                _EntryBuilder(module, name, sig, check).build()
            except _Unsupported:
                _CACHE[key] = None
                continue
            texts.append(str(module))
            pending[key] = (name, [k])
    if texts:
        engine = _compile(texts)
        for key, (name, ks) in pending.items():
            _CACHE[key] = (engine, engine.get_function_address(name))
            for k in ks:
                results[k] = _CACHE[key]
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return results


def fast_entries(items):
    """Native entries for several functions.

    ``items`` are ``(signature, checker, kernel_address, fallback, on_code)``
    tuples; returns one builtin callable per item, or ``None`` where the entry is
    not available (this Python or numpy, or a signature it does not handle).
    Entries are compiled once per distinct signature (dtypes, shapes, written
    buffers) and cached, so rebuilding a kernel does not compile its entry again.

    Each callable's ``__self__`` is ``(fallback, on_code, kernel_address,
    method_def, name, engine)``: the ``PyMethodDef`` and the JIT engine live as
    long as the callable. (Nothing in that tuple refers back to the callable, so
    a garbage-collector pass never frees the ``PyMethodDef`` before the callable
    that reads it.)
    """
    callables = [None] * len(items)
    if not available():
        return callables
    _register_symbols()
    compiled = _compiled_entries([(sig, check) for sig, check, _, _, _ in items])
    new = ctypes.pythonapi.PyCFunction_NewEx
    new.restype = ctypes.py_object
    new.argtypes = [ctypes.c_void_p, ctypes.py_object, ctypes.py_object]
    for k, ((sig, _, kernel, fallback, on_code), entry) in enumerate(zip(items, compiled)):
        if entry is not None:
            engine, address = entry
            ml_name = sig.name.encode()
            method = _PyMethodDef(ml_name, address, METH_FASTCALL, None)
            callables[k] = new(ctypes.addressof(method),
                               (fallback, on_code, kernel, method, ml_name, engine), None)
    return callables

"""``name_checked``: the checked C entry an exported library offers beside ``name``.

The plain kernel ``int name(T0 *p0, ..., int64_t v0, ...)`` checks nothing: a NULL
pointer, an array smaller than the sizes passed, or overlapping arrays are
undefined behaviour. A C caller that wants the checks the Python call makes uses

    int name_checked(T0 *p0, const int64_t *p0_shape, ...,   // each array + its shape
                     <scalar arguments>, char *error, size_t error_size);

Each array comes with its shape (``ndim`` entries, C-contiguous layout assumed);
the size variables are taken from the shapes, as a Python call does (the other
scalar arguments follow the arrays). It checks
every shape against the constant and symbolic extents (a variable must agree
across arrays, compound extents are evaluated, sizes fit the variable's dtype),
that no pointer is NULL (unless its array is empty) and that no written array
overlaps another argument (except the very same array for an output that the
function may compute in place, see ``Signature.aliases``), then calls ``name``. It returns 0 on success, -1 when
an argument check fails, else the kernel's own nonzero code (a failed assert);
on failure the message is written to ``error`` (NUL-terminated, truncated to
``error_size``; ``error`` may be NULL). The entries are C source compiled with
the library (:func:`checked_entries_source`).
"""

from tecomp.abi import size_var
from tecomp.errors import BuildError
from tecomp.ir import Buffer, Cast, IntImm, Var
from tecomp.ir import dtype as dt

from .c_syntax import c_name, c_type, string_literal

ARGUMENT_ERROR = -1

_PRELUDE = r"""#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

static int tc_fail(char *error, size_t size, const char *format, ...) {
  if (error != NULL && size > 0) {
    va_list args;
    va_start(args, format);
    vsnprintf(error, size, format, args);
    va_end(args);
  }
  return -1;
}

static int64_t tc_floordiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (q * b != a && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int64_t tc_floormod(int64_t a, int64_t b) {
  int64_t r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

static int tc_overlap(const void *a, int64_t a_bytes, const void *b, int64_t b_bytes) {
  uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
  return a_bytes > 0 && b_bytes > 0 && x < y + (uintptr_t)b_bytes &&
         y < x + (uintptr_t)a_bytes;
}
"""

_BINARY = {"Add": "+", "Sub": "-", "Mul": "*", "Div": "/", "Mod": "%"}


class _Names:
    """The C names of one function's parameters and locals."""

    def __init__(self, sig):
        taken = {"error", "error_size", "code"}
        self.buffer = {b: c_name(b.name, taken) for b in sig.buffer_params}
        self.shape = {b: c_name(self.buffer[b] + "_shape", taken) for b in sig.buffer_params}
        self.count = {b: c_name(self.buffer[b] + "_count", taken) for b in sig.buffer_params}
        self.var = {v: c_name(v.name, taken) for v in sig.abi_vars}
        self.have = {v: c_name("have_" + self.var[v], taken) for v in sig.abi_vars}


def passed_scalars(sig):
    """The scalar parameters a checked call takes: those no array shape gives."""
    derivable = {size_var(e) for b in sig.buffer_params for e in b.shape}
    return [v for v in sig.scalar_params if v not in derivable]


def checked_parameters(sig):
    """The parameter list of ``name_checked`` (C text)."""
    names = _Names(sig)
    params = []
    for b in sig.buffer_params:
        const = "" if b in sig.written else "const "
        params.append(f"{const}{c_type(b.dtype)} *{names.buffer[b]}")
        params.append(f"const int64_t *{names.shape[b]}")
    for v in passed_scalars(sig):
        params.append(f"{'double' if dt.is_float(v.dtype) else 'int64_t'} {names.var[v]}")
    return ", ".join(params + ["char *error", "size_t error_size"])


def _expr(e, names):
    if isinstance(e, IntImm):
        return f"INT64_C({e.value})"
    if isinstance(e, Var):
        return names.var[e]
    if isinstance(e, Cast):
        return f"((int64_t)({c_type(e.dtype)})({_expr(e.value, names)}))"
    kind = type(e).__name__
    a, b = _expr(e.a, names), _expr(e.b, names)
    if kind in _BINARY:
        return f"({a} {_BINARY[kind]} {b})"
    if kind in ("FloorDiv", "FloorMod"):
        return f"tc_{kind.lower()}({a}, {b})"
    if kind in ("Min", "Max"):
        return f"(({a}) {'<' if kind == 'Min' else '>'} ({b}) ? ({a}) : ({b}))"
    raise BuildError(f"export_library: cannot check the extent `{e}` in C")


def checked_function(sig):
    """The C definition of ``<sig.name>_checked``."""
    names = _Names(sig)
    fn = sig.name
    lines = [f"int {fn}({', '.join(_kernel_params(sig))});", "",
             f"int {fn}_checked({checked_parameters(sig)}) {{"]

    def fail(message, *args):
        extra = "".join(f", {a}" for a in args)
        lines.append(f"    return tc_fail(error, error_size, "
                     f"{string_literal(fn + ': ' + message)}{extra});")

    passed = passed_scalars(sig)
    for v in sig.abi_vars:
        ctype = "double" if dt.is_float(v.dtype) else "int64_t"
        if v in passed:
            lines.append(f"  int {names.have[v]} = 1;")
        else:
            lines.append(f"  {ctype} {names.var[v]} = 0;")
            lines.append(f"  int {names.have[v]} = 0;")
    compound = []
    for pos, b in enumerate(sig.params):
        if not isinstance(b, Buffer):
            continue
        who = f"argument {pos + 1} '{b.name}'"
        shape = names.shape[b]
        lines.append(f"  if ({shape} == NULL) {{")
        fail(f"{who}: its shape is NULL")
        lines.append("  }")
        for axis, extent in enumerate(b.shape):
            got = f"{shape}[{axis}]"
            lines.append(f"  if ({got} < 0) {{")
            fail(f"{who}: shape[{axis}] is %lld, a negative size", f"(long long){got}")
            lines.append("  }")
            var = size_var(extent)
            if isinstance(extent, IntImm):
                lines.append(f"  if ({got} != INT64_C({extent.value})) {{")
                fail(f"{who}: shape[{axis}] is %lld but must be {extent.value}",
                     f"(long long){got}")
                lines.append("  }")
            elif var is not None:
                v, have = names.var[var], names.have[var]
                lines.append(f"  if (!{have}) {{ {v} = {got}; {have} = 1; }}")
                lines.append(f"  else if ({v} != {got}) {{")
                fail(f"{who}: shape[{axis}] is %lld but {var.name} = %lld",
                     f"(long long){got}", f"(long long){v}")
                lines.append("  }")
            else:
                compound.append((who, axis, extent, got))
    for v in sig.abi_vars:
        if dt.is_integer(v.dtype) and v.dtype != "int64":
            lo, hi = _limits(v.dtype)
            lines.append(f"  if ({names.var[v]} < INT64_C({lo}) || {names.var[v]} > "
                         f"INT64_C({hi})) {{")
            fail(f"{v.name} = %lld does not fit its dtype {v.dtype}",
                 f"(long long){names.var[v]}")
            lines.append("  }")
    for who, axis, extent, got in compound:
        lines.append(f"  if ({got} != {_expr(extent, names)}) {{")
        fail(f"{who}: shape[{axis}] is %lld but must be {extent} = %lld",
             f"(long long){got}", f"(long long){_expr(extent, names)}")
        lines.append("  }")
    for b in sig.buffer_params:
        count = " * ".join(f"{names.shape[b]}[{axis}]" for axis in range(len(b.shape))) or "1"
        lines.append(f"  int64_t {names.count[b]} = {count};")
    for pos, b in enumerate(sig.params):
        if isinstance(b, Buffer):
            lines.append(f"  if ({names.buffer[b]} == NULL && {names.count[b]} > 0) {{")
            fail(f"argument {pos + 1} '{b.name}' is NULL")
            lines.append("  }")
    buffers = sig.buffer_params
    allowed = {frozenset(pair) for pair in getattr(sig, "aliases", ())}
    for i, w in enumerate(buffers):
        if w not in sig.written:
            continue
        for j, other in enumerate(buffers):
            if other is w or (other in sig.written and j < i):
                continue
            size_w, size_o = _bytes(w), _bytes(other)
            bw, bo = f"{names.count[w]} * {size_w}", f"{names.count[other]} * {size_o}"
            test = f"tc_overlap({names.buffer[w]}, {bw}, {names.buffer[other]}, {bo})"
            if frozenset((w, other)) in allowed:    # in place: the very same array is fine
                test += (f" && !((const void *){names.buffer[w]} == (const void *)"
                         f"{names.buffer[other]} && {bw} == {bo})")
            lines.append(f"  if ({test}) {{")
            fail(f"'{w.name}' overlaps '{other.name}' and the function writes "
                 f"'{w.name}'; pass separate arrays")
            lines.append("  }")
    call = [names.buffer[b] for b in buffers] + [names.var[v] for v in sig.abi_vars]
    lines.append(f"  int code = {fn}({', '.join(call)});")
    lines.append("  switch (code) {")
    lines.append("  case 0:")
    lines.append("    return 0;")
    for k, message in enumerate(sig.messages, 1):
        lines.append(f"  case {k}:")
        lines.append(f"    tc_fail(error, error_size, \"%s\", "
                     f"{string_literal(fn + ': ' + message)});")
        lines.append("    return code;")
    lines.append("  default:")
    lines.append(f"    tc_fail(error, error_size, {string_literal(fn + ': failed with code %d')}"
                 ", code);")
    lines.append("    return code;")
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines)


def _kernel_params(sig):
    names = _Names(sig)
    params = [f"{'' if b in sig.written else 'const '}{c_type(b.dtype)} *{names.buffer[b]}"
              for b in sig.buffer_params]
    params += [f"{'double' if dt.is_float(v.dtype) else 'int64_t'} {names.var[v]}"
               for v in sig.abi_vars]
    return params or ["void"]


def _bytes(buf):
    return max(1, dt.bits_of(dt.element_of(buf.dtype)) // 8)


def _limits(dtype):
    bits = dt.bits_of(dtype)
    if dt.is_uint(dtype):
        return 0, 2 ** bits - 1
    return -2 ** (bits - 1), 2 ** (bits - 1) - 1


def checked_entries_source(signatures):
    """C source defining ``<name>_checked`` for every signature."""
    return _PRELUDE + "\n" + "\n\n".join(checked_function(s) for s in signatures) + "\n"

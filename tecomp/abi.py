"""The native calling convention of a compiled PrimFunc, stated once.

``int32 name(T0 *p0, ..., int64 v0, ...)``: one pointer per Buffer parameter in
``PrimFunc.params`` order, then one scalar per *ABI variable*: the scalar Var
parameters in ``params`` order, followed by every Var that appears in a buffer
parameter's shape but is not itself a parameter (in order of first appearance).
Integer and bool variables travel as ``int64``; float variables as ``double``.
The function returns 0 on success and ``1 + i`` when the i-th message of its
assert-message list applies.
"""

from tecomp.ir import Buffer, Cast, Store, Var, collect
from tecomp.ir import dtype as dt


def size_var(extent):
    """The Var a buffer extent is, or ``None``: ``n``, or ``int64(n)`` for a
    narrower integer ``n`` (``te.var("n", "int32")`` in a shape); a call binds it
    from the array's shape."""
    if isinstance(extent, Var):
        return extent
    if isinstance(extent, Cast) and isinstance(extent.value, Var) and \
            dt.is_integer(extent.value.dtype):
        return extent.value
    return None


def extent_text(extent):
    """How a shape entry reads in messages and headers (``n``, not ``int64(n)``)."""
    var = size_var(extent)
    return str(extent if var is None else var)


def shape_vars(func):
    """Vars appearing in the shapes of ``func``'s buffer parameters, first-seen order."""
    seen = []
    for buf in func.buffer_params:
        for extent in buf.shape:
            for var in collect(extent, Var):
                if var not in seen:
                    seen.append(var)
    return seen


def abi_vars(func):
    """The scalar arguments of the native function, in order."""
    params = list(func.scalar_params)
    return params + [v for v in shape_vars(func) if v not in params]


def passes_as_double(var):
    return dt.is_float(var.dtype)


def written_buffers(func):
    """Buffer parameters that ``func``'s body stores to."""
    stored = {s.buffer for s in collect(func.body, Store)}
    return [b for b in func.params if isinstance(b, Buffer) and b in stored]


__all__ = ["size_var", "extent_text", "abi_vars", "shape_vars", "written_buffers", "passes_as_double"]

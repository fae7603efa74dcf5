"""Giving a reduction adjoint the shape topi's default schedules know.

A gradient's reduction stages are often a forward operator in disguise: the
data gradient of a dense layer is a matrix product with a transposed operand,
the data gradient of a stride-1 convolution is a convolution of the padded
output adjoint with the flipped kernel. :func:`reduction_stage` builds such a
stage in the form topi builds the operator, with its tag, so
:func:`tecomp.topi.generic.schedule_auto` applies the operator's schedule:

* **guards to padding**: conditions that only say "this read of ``T`` is in
  bounds", on a sum whose value is that read times something, are dropped and
  ``T`` is read through a zero-padded stage (tagged ``pad``);
* **matmul**: ``C[i, j] = sum_r A[i|r, r|i] * B[r|j, j|r]`` becomes a ``matmul``
  stage ``C = A' @ B'``, a transposed operand packed first (``matmul_pack``: ``A``
  to ``[i, r]``, ``B`` to ``[r, j]``), as ``topi.matmul`` packs its right operand:
  the register-tiled GEMM then reads rows of both, never a column;
* **conv2d**: a 4-D output reduced over 3 axes, reading a 4-D tensor whose last
  index moves with the last output axis at unit stride, is tagged ``conv2d_nchw``.

Anything else is an ordinary reduction stage (no tag).
"""

from ..arith.analyzer import Analyzer
from ..ir import Range
from ..ir import expr as E
from ..ir.functor import IRVisitor, substitute, uses_var
from ..te import api
from .solve import linear_form


def _reads(expr):
    found = []

    class Find(IRVisitor):
        def visit_TensorRead(self, e):
            found.append(e)

    Find().visit(expr)
    return found


def _factors(expr):
    if isinstance(expr, E.Mul):
        return _factors(expr.a) + _factors(expr.b)
    return [expr]


def _const(e):
    return e.value if isinstance(e, E.IntImm) else None


def _bounds(e, ranges):
    """Constant (min, max) of an affine index over ``ranges`` ({var: (min, extent)})."""
    form = linear_form(e, set(ranges))
    if form is None or _const(form[1]) is None:
        return None
    lo = hi = form[1].value
    for v, c in form[0].items():
        vmin, ext = (_const(x) for x in ranges[v])
        if vmin is None or ext is None:
            return None
        lo += min(c * vmin, c * (vmin + ext - 1))
        hi += max(c * vmin, c * (vmin + ext - 1))
    return lo, hi


def pad_guarded_read(cond, value, ranges):
    """``(cond, value)`` with the conditions that only bound one read of a tensor
    replaced by a zero-padded copy of that tensor (see the module doc)."""
    if cond is None:
        return cond, value
    factors = _factors(value)
    for read in [f for f in factors if isinstance(f, E.TensorRead)]:
        t = read.tensor
        sizes = [_const(d) for d in t.shape]
        bounds = [_bounds(i, ranges) for i in read.indices]
        if None in sizes or None in bounds:
            continue
        analyzer = Analyzer()
        for v, (lo, ext) in ranges.items():
            analyzer.bind(v, Range(lo, ext))
        facts = [c for i, n in zip(read.indices, sizes)
                 for c in (E.GE(i, E.const_index(0)), E.LT(i, E.const_index(n)))]
        conjuncts = _conjuncts(cond)
        with analyzer.assume(_and(facts)):
            if not all(analyzer.can_prove(c) for c in conjuncts):
                continue
        before = [max(0, -lo) for lo, _ in bounds]
        after = [max(0, hi - (n - 1)) for (_, hi), n in zip(bounds, sizes)]
        padded = _pad(t, before, after)
        new_read = padded[tuple(i + b if b else i for i, b in zip(read.indices, before))]
        rest = [f for f in factors if f is not read]
        out = new_read
        for f in rest:
            out = E.Mul(out, f)
        return None, out
    return cond, value


def _conjuncts(c):
    return _conjuncts(c.a) + _conjuncts(c.b) if isinstance(c, E.And) else [c]


def _and(conds):
    out = conds[0]
    for c in conds[1:]:
        out = E.And(out, c)
    return out


def _pad(t, before, after):
    shape = tuple(n + b + a for n, b, a in zip((int(d) for d in t.shape), before, after))
    zero = E.const(0, t.dtype)

    def body(*i):
        inside = [c for k, (b, a) in enumerate(zip(before, after)) if b or a
                  for c in (i[k] >= b, i[k] < int(t.shape[k]) + b)]
        index = tuple(i[k] - b if b else i[k] for k, b in enumerate(before))
        return api.if_then_else(api.all(*inside), t[index], zero) if inside else t[index]
    return api.compute(shape, body, name=f"{t.name}.pad", tag="pad")


def reduction_stage(shape, jvars, free, cond, value, name):
    """The stage ``out[j] = sum over free of [cond] value`` in a form the default
    schedules recognize where one fits."""
    ranges = {v: (E.const_index(0), d) for v, d in zip(jvars, shape)}
    ranges.update({iv.var: (iv.dom.min, iv.dom.extent) for iv in free})
    cond, value = pad_guarded_read(cond, value, ranges)
    if cond is None:
        stage = _as_matmul(shape, jvars, free, value, name)
        if stage is not None:
            return stage
    tag, attrs = "", None
    if cond is None and _is_conv(shape, jvars, free, value):
        tag, attrs = "conv2d_nchw", {"strides": (1, 1)}
    elif cond is None and _is_conv_weight_gradient(shape, jvars, free, value):
        tag = "conv2d_nchw_wgrad"

    def compute(*i):
        mapping = dict(zip(jvars, i))
        where = None if cond is None else substitute(cond, mapping)
        return api.sum(substitute(value, mapping), axis=free, where=where)
    return api.compute(tuple(shape), compute, name=name, tag=tag, attrs=attrs)


def _var_only(indices, allowed):
    return all(isinstance(i, E.Var) and i in allowed for i in indices)


def _as_matmul(shape, jvars, free, value, name):
    factors = _factors(value)
    if len(shape) != 2 or len(free) != 1 or len(factors) != 2 or \
            not all(isinstance(f, E.TensorRead) and len(f.indices) == 2 for f in factors):
        return None
    r = free[0].var
    j0, j1 = jvars
    a, b = factors
    if uses_var(a.indices[0], {j1}) or uses_var(a.indices[1], {j1}):
        a, b = b, a
    if not (_var_only(a.indices, {j0, r}) and _var_only(b.indices, {j1, r})) or \
            a.indices[0] is a.indices[1] or b.indices[0] is b.indices[1]:
        return None
    if any(_const(iv.dom.min) != 0 for iv in free):
        return None
    left, right = a.tensor, b.tensor
    left_t = a.indices[0] is r          # left read as [r, i]
    if b.indices[0] is not r:           # right read as [j, r]: pack it to [r, j]
        src = right
        right = api.compute((free[0].dom.extent, shape[1]), lambda kk, j: src[j, kk],
                            name=f"{name}.pack", tag="matmul_pack")
    if left_t:                          # left read as [r, i]: pack it to [i, r]
        src_l = left
        left = api.compute((shape[0], free[0].dom.extent), lambda i, kk: src_l[kk, i],
                           name=f"{name}.pack_a", tag="matmul_pack")
    k = api.reduce_axis(free[0].dom, name="k")
    return api.compute(tuple(shape), lambda i, j: api.sum(left[i, k] * right[k, j], axis=k),
                       name=name, tag="matmul")


def _is_conv(shape, jvars, free, value):
    factors = _factors(value)
    if len(shape) != 4 or len(free) != 3 or len(factors) != 2:
        return False
    data = factors[0]
    if not isinstance(data, E.TensorRead) or len(data.indices) != 4:
        return False
    form = linear_form(data.indices[3], set(jvars) | {iv.var for iv in free})
    return form is not None and form[0].get(jvars[3]) == 1


def _is_conv_weight_gradient(shape, jvars, free, value):
    """``dW[f, c, ry, rx] = sum_{n, y, x} A[.., x] * B[.., x*s + rx*d]``: the output
    adjoint read along the last reduce axis at unit stride, the data at the stride
    ``s`` of the convolution, shifted by the kernel column (dilation ``d``)."""
    factors = _factors(value)
    if len(shape) != 4 or len(free) != 3 or len(factors) != 2 or \
            not all(isinstance(f, E.TensorRead) and len(f.indices) == 4 for f in factors):
        return False
    x = free[-1].var
    domain = set(jvars) | {iv.var for iv in free}
    forms = [linear_form(f.indices[3], domain) for f in factors]
    if None in forms:
        return False
    # (step along x, step along the kernel column) of each read, the adjoint's first
    adjoint, data = sorted((form[0].get(x, 0), form[0].get(jvars[3], 0)) for form in forms)
    return adjoint == (1, 0) and data[0] >= 1 and data[1] >= 1

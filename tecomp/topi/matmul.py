"""Matrix multiplication: ``matmul`` (with transposes) and ``nn.dense``.

A transposed right operand is first packed into a ``(k, m)`` stage (tagged
``"matmul_pack"``), so the product's inner loop reads both operands with unit
stride along ``j`` and can be vectorized; packing costs ``O(k m)`` against the
product's ``O(n m k)``."""

from ..te import api
from ..errors import ExprError
from ..ir import Range
from ..ir import expr as E
from .util import same_extent


def _matmul(a, b, transpose_a, transpose_b, name, tag):
    if len(a.shape) != 2 or len(b.shape) != 2:
        raise ExprError(f"{name}: expects 2-D tensors, got shapes {list(a.shape)} and "
                        f"{list(b.shape)}")
    n, ka = (a.shape[1], a.shape[0]) if transpose_a else a.shape
    kb, m = (b.shape[1], b.shape[0]) if transpose_b else b.shape
    if not same_extent(ka, kb):
        raise ExprError(f"{name}: inner dimensions differ: {ka} (from '{a.name}'"
                        f"{', transposed' if transpose_a else ''}) vs {kb} (from '{b.name}'"
                        f"{', transposed' if transpose_b else ''})")
    if transpose_b:
        src = b
        b = api.compute((kb, m), lambda kk, j: src[j, kk], name=f"{name}_pack", tag="matmul_pack")
    k = api.reduce_axis(Range(E.const_index(0), ka), name="k")
    if transpose_a:
        def body(i, j):
            return api.sum(a[k, i] * b[k, j], axis=k)
    else:
        def body(i, j):
            return api.sum(a[i, k] * b[k, j], axis=k)
    return api.compute((n, m), body, name=name, tag=tag)


def matmul(a, b, transpose_a=False, transpose_b=False, transp_a=None, transp_b=None):
    """``a @ b`` for 2-D tensors, either side optionally transposed
    (``transp_a``/``transp_b`` are TVM's spellings of the same flags)."""
    transpose_a = transpose_a if transp_a is None else transp_a
    transpose_b = transpose_b if transp_b is None else transp_b
    return _matmul(a, b, bool(transpose_a), bool(transpose_b), "T_matmul", "matmul")


def dense(data, weight, bias=None, out_dtype=None):
    """A fully connected layer: ``data @ weight.T (+ bias)`` with ``data`` of shape
    ``(batch, in_dim)``, ``weight`` ``(out_dim, in_dim)`` and ``bias`` ``(out_dim,)``."""
    if out_dtype is not None and out_dtype != data.dtype:
        data = api.compute(data.shape, lambda *i: data[i].astype(out_dtype), name="T_cast",
                           tag="elemwise")
        weight_in = weight
        weight = api.compute(weight.shape, lambda *i: weight_in[i].astype(out_dtype),
                             name="T_cast", tag="elemwise")
    out = _matmul(data, weight, False, True, "T_dense", "dense")
    if bias is None:
        return out
    if len(bias.shape) != 1 or not same_extent(bias.shape[0], out.shape[1]):
        raise ExprError(f"dense: bias must have shape ({out.shape[1]},), got {list(bias.shape)}")
    product = out
    return api.compute(out.shape, lambda i, j: product[i, j] + bias[j].astype(product.dtype),
                       name="T_dense_bias", tag="broadcast")

"""Tuning templates the autotvm tests share."""

import tecomp as te
from tecomp import autotvm


@autotvm.template("test/matmul")
def matmul(n, dtype):
    A = te.placeholder((n, n), name="A", dtype=dtype)
    B = te.placeholder((n, n), name="B", dtype=dtype)
    k = te.reduce_axis((0, n), name="k")
    C = te.compute((n, n), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    s = te.create_schedule(C.op)
    y, x = s[C].op.axis
    cfg = autotvm.get_config()
    cfg.define_split("tile_y", y, num_outputs=2)
    cfg.define_split("tile_x", x, num_outputs=2)
    cfg.define_knob("vectorize", [0, 1])
    yo, yi = cfg["tile_y"].apply(s, C, y)
    xo, xi = cfg["tile_x"].apply(s, C, x)
    s[C].reorder(yo, xo, s[C].op.reduce_axis[0], yi, xi)
    if cfg["vectorize"].val:
        s[C].vectorize(xi)
    return s, [A, B, C]


@autotvm.template("test/row_sum")
def row_sum(n, m):
    """A knob ``steps`` multiplies the work: index 1 runs ~2**40 additions (a hang)."""
    cfg = autotvm.get_config()
    cfg.define_knob("steps", [1, 1 << 40])
    A = te.placeholder((n, m), name="A")
    k = te.reduce_axis((0, m), name="k")
    r = te.reduce_axis((0, cfg["steps"].val), name="r")
    B = te.compute((n,), lambda i: te.sum(A[i, k] + r.astype("float32") * 0.0, axis=[k, r]),
                   name="B")
    return te.create_schedule(B.op), [A, B]

"""te.print_loop_nest / s.show(): the loop nest of a schedule, without lowering it."""

import pytest

import tecomp as te
from tecomp.schedule import schedule_ops
from tecomp.schedule import loop_nest_text


def matmul(n=64):
    A = te.placeholder((n, n), name="A")
    B = te.placeholder((n, n), name="B")
    k = te.reduce_axis((0, n), name="k")
    C = te.compute((n, n), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    return A, B, C, k


def test_default_schedule():
    _, _, C, _ = matmul()
    assert loop_nest_text(te.create_schedule(C.op)) == "\n".join([
        "produce C",
        "  for (i, 0, 64)",
        "    for (j, 0, 64)",
        "      C[i, j] = 0.0f",
        "      for (k, 0, 64)",
        "        C[i, j] += (A[i, k] * B[k, j])"])


def test_every_step_while_building(capsys, monkeypatch):
    def no_lowering(*args):
        raise AssertionError("print_loop_nest must not build loop-nest IR")
    monkeypatch.setattr(schedule_ops, "_Builder", no_lowering)
    A, B, C, k = matmul()
    s = te.create_schedule(C.op)
    with pytest.raises(AssertionError, match="must not build"):
        te.lower(s, [A, B, C])   # the patch works: lowering would fail
    io, ii = s[C].split(C.op.axis[0], factor=16)
    s.show()
    assert "for (i.outer, 0, 4)\n    for (i.inner, 0, 16)" in capsys.readouterr().out
    ko, ki = s[C].split(k, factor=4)
    s[C].reorder(io, ko, ii, ki, C.op.axis[1])
    s[C].parallel(io)
    s[C].vectorize(C.op.axis[1])
    te.print_loop_nest(s)
    out = capsys.readouterr().out
    assert "parallel (i.outer, 0, 4)" in out
    assert "for (k.outer, 0, 16)" in out and "vectorized (j, 0, 64)" in out
    # The init of the reduction sits just outside the first reduction loop.
    lines = out.splitlines()
    assert lines.index("    for (i.inner, 0, 16)") < lines.index("        C[i, j] = 0.0f")
    assert lines.index("        C[i, j] = 0.0f") < lines.index("    for (k.outer, 0, 16)")


def test_caches_attach_points_and_threads():
    A, B, C, k = matmul()
    s = te.create_schedule(C.op)
    AS = s.cache_read(A, "shared", [C])
    CL = s.cache_write(C, "local")
    by, bx, yi, xi = s[C].tile(C.op.axis[0], C.op.axis[1], 16, 16)
    s[C].bind(by, te.thread_axis("blockIdx.y"))
    s[C].bind(xi, te.thread_axis("threadIdx.x"))
    s[CL].compute_at(s[C], xi)
    ko, ki = s[CL].split(s[CL].op.reduce_axis[0], factor=8)
    s[AS].compute_at(s[CL], ko)
    text = loop_nest_text(s)
    assert "for (i.outer, 0, 4)    // blockIdx.y" in text
    assert "for (j.inner, 0, 16)    // threadIdx.x" in text
    assert "allocate C.local[float32 * 1 * 1] in local    // compute_at(C, j.inner)" in text
    assert "allocate A.shared[float32 * 1 * 8] in shared    // compute_at(C.local, k.outer)" \
        in text
    assert "A.shared[ax0, ax1] = A[ax0, ax1]" in text


def test_inlined_stage_and_a_symbolic_extent():
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    D = te.compute((n,), lambda i: A[i] * 2.0, name="D")
    E = te.compute((n,), lambda i: D[i] + 1.0, name="E")
    s = te.create_schedule(E.op)
    s[D].compute_inline()
    assert loop_nest_text(s) == "\n".join([
        "// inlined into their consumers: D",
        "produce E",
        "  for (i, 0, n)",
        "    E[i] = ((A[i] * 2.0f) + 1.0f)"])

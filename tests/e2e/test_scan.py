"""te.scan (TVM's ScanOp) on the CPU against numpy: recurrences over the first
axis, with the update scheduled like any stage, body stages inside the time loop,
several states, and a scan feeding later stages."""

import numpy as np
import pytest

import tecomp as te


def cumsum_scan(dtype="float32"):
    m, n = te.var("m"), te.var("n")
    X = te.placeholder((m, n), name="X", dtype=dtype)
    state = te.placeholder((m, n), name="state", dtype=dtype)
    init = te.compute((1, n), lambda _, i: X[0, i], name="init")
    update = te.compute((m, n), lambda t, i: state[t - 1, i] + X[t, i], name="update")
    return X, init, update, te.scan(init, update, state, inputs=[X])


def test_cumsum_symbolic_sizes_one_build(rng):
    X, _, _, out = cumsum_scan()
    s = te.create_schedule(out.op)
    assert out.op.scan_axis.var.name == "scan.idx"
    assert [str(d) for d in out.shape] == [str(d) for d in X.shape]
    f = te.build(s, [X, out], name="cumsum")
    for m, n in ((1, 5), (2, 1), (10, 37), (33, 4)):
        x = rng.random((m, n), dtype="float32")
        y = np.zeros_like(x)
        f(x, y)
        np.testing.assert_allclose(y, np.cumsum(x, axis=0), rtol=1e-5)


def test_update_split_vectorized_and_parallel(rng):
    X, init, update, out = cumsum_scan()
    s = te.create_schedule(out.op)
    xo, xi = s[update].split(update.op.axis[1], factor=8)
    s[update].vectorize(xi)
    s[update].parallel(xo)
    io, ii = s[init].split(init.op.axis[1], factor=16)
    f = te.build(s, [X, out])
    x = rng.random((7, 1001), dtype="float32")
    y = np.zeros_like(x)
    f(x, y)
    np.testing.assert_allclose(y, np.cumsum(x, axis=0), rtol=1e-5)


@pytest.mark.parametrize("where", ["compute_at", "root", "inline"])
def test_body_stage_inside_the_time_loop(where, rng):
    m, n = te.var("m"), te.var("n")
    X = te.placeholder((m, n), name="X")
    state = te.placeholder((m, n), name="state")
    init = te.compute((1, n), lambda _, i: X[0, i], name="init")
    s1 = te.compute((m, n), lambda t, i: state[t - 1, i] * 2, name="s1")
    s2 = te.compute((m, n), lambda t, i: s1[t, i] + X[t, i], name="s2")
    out = te.scan(init, s2, state, inputs=[X])
    s = te.create_schedule(out.op)
    xo, xi = s[s2].split(s2.op.axis[1], factor=32)
    if where == "compute_at":
        s[s1].compute_at(s[s2], xo)
    elif where == "inline":
        s[s1].compute_inline()
    f = te.build(s, [X, out])
    x = rng.random((6, 45), dtype="float32")      # 45: the split does not divide
    want = np.empty_like(x)
    want[0] = x[0]
    for t in range(1, 6):
        want[t] = want[t - 1] * 2 + x[t]
    y = np.zeros_like(x)
    f(x, y)
    np.testing.assert_allclose(y, want, rtol=1e-5)


def test_two_states_read_each_other(rng):
    m, n, k = te.var("m"), te.var("n"), te.var("k")
    X = te.placeholder((m, n), name="X")
    st1 = te.placeholder((m, n), name="st1")
    st2 = te.placeholder((m, k), name="st2")
    init1 = te.compute((1, n), lambda _, i: X[0, i], name="init1")
    init2 = te.compute((1, k), lambda _, i: te.const(0.0, "float32"), name="init2")
    up1 = te.compute((m, n), lambda t, i: st1[t - 1, i] + X[t, i], name="up1")
    up2 = te.compute((m, k), lambda t, i: st2[t - 1, i] + st1[t - 1, 0], name="up2")
    out1, out2 = te.scan([init1, init2], [up1, up2], [st1, st2], inputs=[X])
    assert (out1.name, out2.name) == ("scan.v0", "scan.v1")
    s = te.create_schedule(out1.op)
    f = te.build(s, [X, out1, out2])
    x = rng.random((8, 5), dtype="float32")
    y1, y2 = np.zeros((8, 5), "float32"), np.zeros((8, 3), "float32")
    f(x, y1, y2)
    want1 = np.cumsum(x, axis=0)
    want2 = np.zeros((8, 3), "float32")
    for t in range(1, 8):
        want2[t] = want2[t - 1] + want1[t - 1, 0]
    np.testing.assert_allclose(y1, want1, rtol=1e-5)
    np.testing.assert_allclose(y2, want2, rtol=1e-5)


def test_two_init_steps_and_a_lagged_body_stage():
    """Fibonacci rows: out[t] = out[t-1] + out[t-2], through a body stage that is
    read one step back (so it is computed for step t-1 inside step t)."""
    m, n = te.var("m"), te.var("n")
    X = te.placeholder((2, n), name="X", dtype="int64")
    state = te.placeholder((m, n), name="state", dtype="int64")
    init = te.compute((2, n), lambda t, i: X[t, i], name="init")
    prev = te.compute((m, n), lambda t, i: state[t - 1, i], name="prev")
    update = te.compute((m, n), lambda t, i: state[t - 1, i] + prev[t - 1, i], name="update")
    out = te.scan(init, update, state)
    s = te.create_schedule(out.op)
    f = te.build(s, [X, out])
    x = np.array([[0, 1, 5], [1, 1, 7]], "int64")
    y = np.zeros((12, 3), "int64")
    f(x, y)
    want = np.zeros((12, 3), "int64")
    want[:2] = x
    for t in range(2, 12):
        want[t] = want[t - 1] + want[t - 2]
    np.testing.assert_array_equal(y, want)


def test_scan_feeds_a_later_stage_and_verifies(rng):
    X, _, update, out = cumsum_scan()
    doubled = te.compute(out.shape, lambda t, i: out[t, i] * 2, name="doubled")
    s = te.create_schedule(doubled.op)
    xo, xi = s[update].split(update.op.axis[1], factor=4)
    f = te.build(s, [X, doubled])
    x = rng.random((5, 9), dtype="float32")
    y = np.zeros_like(x)
    f(x, y)
    np.testing.assert_allclose(y, 2 * np.cumsum(x, axis=0), rtol=1e-5)
    te.verify(s, [X, doubled])


def test_scan_lowered_loop_and_export(tmp_path, rng):
    X, _, _, out = cumsum_scan()
    s = te.create_schedule(out.op)
    text = str(te.lower(s, [X, out]))
    assert "for (scan.idx, 0, (m - 1))" in text
    f = te.build(s, [X, out], name="cumsum")
    path = tmp_path / "libscan.so"
    f.export_library(str(path))
    g = te.load_module(str(path))
    x = rng.random((4, 6), dtype="float32")
    y = np.zeros_like(x)
    g(x, y)
    np.testing.assert_allclose(y, np.cumsum(x, axis=0), rtol=1e-5)


def test_show_places_the_update_inside_the_time_loop():
    X, init, update, out = cumsum_scan()
    s = te.create_schedule(out.op)
    s[update].split(update.op.axis[1], factor=4)
    lines = te.schedule.loop_nest.loop_nest_text(s).splitlines()
    time_loop = lines.index("  for (scan.idx, 0, (m - 1))    // time step scan.idx + 1")
    assert lines[0] == "// init is stored in scan"
    assert lines[time_loop + 2] == "    produce update"
    assert "        for (i.outer, 0, floordiv((n + 3), 4))" in lines[time_loop:]

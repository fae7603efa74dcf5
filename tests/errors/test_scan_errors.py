"""te.scan refusals: each names the scan and the tensors at fault."""

import pytest

import tecomp as te
from tecomp.errors import ExprError, ScheduleError


def parts(dtype="float32"):
    m, n = te.var("m"), te.var("n")
    X = te.placeholder((m, n), name="X")
    state = te.placeholder((m, n), name="state", dtype=dtype)
    init = te.compute((1, n), lambda _, i: X[0, i].astype(dtype), name="init")
    return m, n, X, state, init


def test_mismatched_lists_shapes_and_dtypes():
    m, n, X, state, init = parts()
    update = te.compute((m, n), lambda t, i: state[t - 1, i] + X[t, i], name="update")
    with pytest.raises(ExprError, match=r"scan\(scan\): init, update and state_placeholder .* 1, 2 and 1"):
        te.scan([init], [update, update], [state])
    wide = te.compute((m, n + 1), lambda t, i: X[t, 0], name="wide")
    with pytest.raises(ExprError, match="dimension 1 of 'wide'.*state 'state'"):
        te.scan(init, wide, state)
    _, _, _, state64, _ = parts("float64")
    with pytest.raises(ExprError, match="'init' has dtype float32 but state 'state' has float64"):
        te.scan(init, te.compute((m, n), lambda t, i: state64[t - 1, i], name="u"), state64)
    with pytest.raises(ExprError, match="must be a te.placeholder"):
        te.scan(init, update, update)


def test_reading_the_current_or_a_missing_step_is_refused():
    m, n, X, state, init = parts()
    now = te.compute((m, n), lambda t, i: state[t, i] + 1, name="now")
    with pytest.raises(ExprError, match="'now' reads state 'state' 0 step"):
        te.scan(init, now, state)
    far = te.compute((m, n), lambda t, i: state[t - 2, i] + 1, name="far")
    with pytest.raises(ExprError, match="'far' reads state 'state' 2 step.*1 to 1 back"):
        te.scan(init, far, state)
    odd = te.compute((m, n), lambda t, i: state[t // 2, i] + 1, name="odd")
    with pytest.raises(ExprError, match="'odd' reads 'state' at time .*own time axis minus a constant"):
        te.scan(init, odd, state)


def test_schedule_misuse_is_refused():
    m, n, X, state, init = parts()
    s1 = te.compute((m, n), lambda t, i: state[t - 1, i] * 2, name="s1")
    update = te.compute((m, n), lambda t, i: s1[t, i] + X[t, i], name="update")
    out = te.scan(init, update, state)
    s = te.create_schedule(out.op)
    with pytest.raises(ScheduleError, match=r"split\(scan\): 'scan' is a scan.*init and update"):
        s[out].split(out.op.scan_axis, factor=2)
    s[update].compute_inline()
    with pytest.raises(ScheduleError, match="'update' of scan 'scan' is the scan's update.*inlined"):
        te.lower(s, [X, out])
    s = te.create_schedule(out.op)
    s[init].compute_inline()
    with pytest.raises(ScheduleError, match="'init' of scan 'scan' is the scan's init.*inlined"):
        te.lower(s, [X, out])


def test_body_stage_outside_the_scan_is_refused():
    m, n, X, state, init = parts()
    s1 = te.compute((m, n), lambda t, i: state[t - 1, i] * 2, name="s1")
    update = te.compute((m, n), lambda t, i: s1[t, i] + X[t, i], name="update")
    out = te.scan(init, update, state)
    late = te.compute((m, n), lambda t, i: out[t, i] + 1, name="late")
    s = te.create_schedule(late.op)
    s[s1].compute_at(s[late], late.op.axis[0])
    with pytest.raises(ScheduleError, match="'s1' of scan 'scan' reads the scan's state.*'late'"):
        te.lower(s, [X, late])
    peek = te.compute((m, n), lambda t, i: s1[t, i] + out[t, i], name="peek")
    s = te.create_schedule(peek.op)
    with pytest.raises(ScheduleError, match="'peek' reads 's1'.*inside the scan one time step"):
        te.lower(s, [X, peek])


def test_gradient_through_a_scan_is_refused():
    m, n, X, state, init = parts()
    update = te.compute((m, n), lambda t, i: state[t - 1, i] + X[t, i], name="update")
    out = te.scan(init, update, state)
    loss = te.compute((1,), lambda i: out[m - 1, 0], name="loss")
    with pytest.raises(ExprError, match="te.gradient: 'scan' \\(ScanOp, from te.scan or "
                                        "te.extern\\) lies on the path"):
        te.gradient(loss, [X])

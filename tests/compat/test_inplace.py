"""In-place calls (issue 15 item 5): ``f(W, dW, W)`` for a pointwise update, refused
for anything else."""

import numpy as np
import pytest

import tecomp as tvm
from tecomp import te
from tecomp.schedule.inplace import pointwise_aliases


def _sgd(schedule=None):
    n = te.var("n")
    W = te.placeholder((n, 8), name="W")
    dW = te.placeholder((n, 8), name="dW")
    W2 = te.compute((n, 8), lambda i, j: W[i, j] - 0.5 * dW[i, j], name="W2")
    s = te.create_schedule(W2.op)
    if schedule:
        schedule(s, W2)
    return s, W, dW, W2


def _vectorized(s, W2):
    io, ii = s[W2].split(W2.op.axis[0], factor=3)
    s[W2].vectorize(W2.op.axis[1])
    s[W2].parallel(io)


@pytest.mark.parametrize("schedule", [None, _vectorized])
def test_sgd_update_in_place(rng, schedule):
    s, W, dW, W2 = _sgd(schedule)
    f = tvm.build(s, [W, dW, W2])
    w = rng.random((7, 8)).astype("float32")
    dw = rng.random((7, 8)).astype("float32")
    want = w - 0.5 * dw
    f(w, dw, w)
    np.testing.assert_allclose(w, want, rtol=1e-6)
    nw = tvm.nd.array(rng.random((7, 8)).astype("float32"))
    want = nw.numpy() - 0.5 * dw
    f(nw, dw, nw)
    np.testing.assert_allclose(nw.numpy(), want, rtol=1e-6)


def test_in_place_through_an_exported_library(rng, tmp_path):
    s, W, dW, W2 = _sgd()
    path, _ = tvm.build(s, [W, dW, W2], name="sgd").export_library(str(tmp_path / "sgd.so"))
    g = tvm.load_module(path)
    w, dw = rng.random((5, 8)).astype("float32"), rng.random((5, 8)).astype("float32")
    want = w - 0.5 * dw
    g(w, dw, w)
    np.testing.assert_allclose(w, want, rtol=1e-6)
    g(w, w, w)                  # both inputs pointwise: w - 0.5 * w
    np.testing.assert_allclose(w, 0.5 * want, rtol=1e-6)
    big = rng.random((6, 8)).astype("float32")
    with pytest.raises(tvm.ArgumentError, match="overlaps"):
        g(big[:5], dw, big[1:])


def test_partial_overlap_is_still_refused(rng):
    s, W, dW, W2 = _sgd()
    f = tvm.build(s, [W, dW, W2])
    big = rng.random((8, 8)).astype("float32")
    with pytest.raises(tvm.ArgumentError, match="'W2' overlaps argument 2 'dW'"):
        f(np.zeros((7, 8), "float32"), big[:7], big[1:])
    with pytest.raises(tvm.ArgumentError, match="'W2' overlaps argument 1 'W'"):
        f(big[:7], np.zeros((7, 8), "float32"), big[1:])


def test_non_pointwise_reads_are_refused(rng):
    n = 8
    W = te.placeholder((n,), name="W")
    shifted = te.compute((n,), lambda i: W[(i + 1) % n] * 2, name="S")
    k = te.reduce_axis((0, n), name="k")
    T = te.compute((1,), lambda i: te.sum(W[k], axis=k), name="T")
    U = te.compute((n,), lambda i: W[i] + T[0], name="U")
    for out, args in ((shifted, [W, shifted]), (U, [W, U])):
        s = te.create_schedule(out.op)
        assert pointwise_aliases(s, args) == []
        f = tvm.build(s, args)
        w = rng.random(n).astype("float32")
        with pytest.raises(tvm.ArgumentError, match=f"'{out.name}' overlaps argument 1 'W'"):
            f(w, w)


def test_cache_read_of_the_input_is_not_pointwise():
    s, W, dW, W2 = _sgd()
    assert [(o.name, i.name) for o, i in pointwise_aliases(s, [W, dW, W2])] == \
        [("W2", "W"), ("W2", "dW")]
    s.cache_read(W, "local", [W2])
    assert [(o.name, i.name) for o, i in pointwise_aliases(s, [W, dW, W2])] == [("W2", "dW")]


@tvm.testing.requires_opencl
def test_sgd_update_in_place_on_opencl(rng):
    s, W, dW, W2 = _sgd()
    fused = s[W2].fuse(*W2.op.axis)
    bx, tx = s[W2].split(fused, factor=32)
    s[W2].bind(bx, te.thread_axis("blockIdx.x"))
    s[W2].bind(tx, te.thread_axis("threadIdx.x"))
    f = tvm.build(s, [W, dW, W2], "opencl")
    w, dw = rng.random((7, 8)).astype("float32"), rng.random((7, 8)).astype("float32")
    want = w - 0.5 * dw
    f(w, dw, w)
    np.testing.assert_allclose(w, want, rtol=1e-6)


def test_entry_of_a_pointwise_kernel_is_not_reused_for_a_shifted_one(rng):
    """The native entry of a pointwise kernel lets the output be the input; a kernel
    with the same signature whose output reads a neighbour must still refuse it
    (the entry cache once keyed on shapes and dtypes only)."""
    n = 8
    W = te.placeholder((n,), name="W")
    doubled = te.compute((n,), lambda i: W[i] * 2, name="D")
    shifted = te.compute((n,), lambda i: W[(i + 1) % n] * 2, name="S")
    w = rng.random(n).astype("float32")
    f = tvm.build(te.create_schedule(doubled.op), [W, doubled])
    expected = w * 2
    f(w, w)
    np.testing.assert_allclose(w, expected, rtol=1e-6)
    g = tvm.build(te.create_schedule(shifted.op), [W, shifted])
    with pytest.raises(tvm.ArgumentError, match="'S' overlaps argument 1 'W'"):
        g(w, w)

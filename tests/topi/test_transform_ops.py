"""Shape, selection and contraction operators (full, concatenate, split, take,
squeeze, expand_dims, where, clip, strided_slice, tensordot, einsum) against numpy,
built with the default CPU schedule."""

import numpy as np
import pytest

import tecomp as te
from tecomp import topi

from topi_helpers import run


def test_full_and_full_like():
    A = te.placeholder((3, 17), name="A")
    np.testing.assert_array_equal(run(topi.full((4, 33), "float32", 2.5), [], []),
                                  np.full((4, 33), 2.5, "float32"))
    out = run(topi.full_like(A, 7), [A], [np.zeros((3, 17), "float32")])
    np.testing.assert_array_equal(out, np.full((3, 17), 7, "float32"))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate(axis, rng):
    shapes = [(2, 3, 4), (2, 3, 4), (2, 3, 4)]
    shapes = [tuple(s if d != axis % 3 else s + k for d, s in enumerate(sh))
              for k, sh in enumerate(shapes)]
    ts = [te.placeholder(s, name=f"X{k}") for k, s in enumerate(shapes)]
    arrays = [rng.random(s, dtype="float32") for s in shapes]
    out = run(topi.concatenate(ts, axis), ts, arrays)
    np.testing.assert_array_equal(out, np.concatenate(arrays, axis))


@pytest.mark.parametrize("sections", [3, [1, 4]])
def test_split(sections, rng):
    X = te.placeholder((2, 6, 5), name="X")
    x = rng.random((2, 6, 5), dtype="float32")
    outs = topi.split(X, sections, axis=1)
    got = run(list(outs), [X], [x])
    for a, b in zip(got, np.split(x, sections, axis=1)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("mode", ["clip", "wrap"])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_take(mode, axis, rng):
    X = te.placeholder((4, 5), name="X")
    indices = te.placeholder((3, 2), name="I", dtype="int32")
    x = rng.random((4, 5), dtype="float32")
    idx = rng.integers(-25, 25, (3, 2)).astype("int32")
    out = run(topi.take(X, indices, axis=axis, mode=mode), [X, indices], [x, idx])
    np.testing.assert_array_equal(out, np.take(x, idx, axis=axis, mode=mode))


def test_take_refuses_float_indices():
    X = te.placeholder((4, 5), name="X")
    with pytest.raises(te.TecompError, match="take: indices 'F' must be integers"):
        topi.take(X, te.placeholder((3,), name="F"))


def test_squeeze_and_expand_dims(rng):
    X = te.placeholder((1, 3, 1, 4), name="X")
    x = rng.random((1, 3, 1, 4), dtype="float32")
    np.testing.assert_array_equal(run(topi.squeeze(X), [X], [x]), np.squeeze(x))
    np.testing.assert_array_equal(run(topi.squeeze(X, axis=2), [X], [x]), np.squeeze(x, 2))
    np.testing.assert_array_equal(run(topi.expand_dims(X, 1, 2), [X], [x]),
                                  x.reshape(1, 1, 1, 3, 1, 4))
    with pytest.raises(te.TecompError, match="squeeze: axis 1 of 'X' has extent 3"):
        topi.squeeze(X, axis=1)


def test_where_and_clip(rng):
    C = te.placeholder((5, 1), name="C", dtype="int32")
    X = te.placeholder((5, 7), name="X")
    c = rng.integers(0, 2, (5, 1)).astype("int32")
    x = rng.standard_normal((5, 7)).astype("float32")
    np.testing.assert_array_equal(run(topi.where(C, X, 0.5), [C, X], [c, x]),
                                  np.where(c != 0, x, np.float32(0.5)))
    np.testing.assert_array_equal(run(topi.clip(X, -0.5, 0.25), [X], [x]),
                                  np.clip(x, -0.5, 0.25))


@pytest.mark.parametrize("args", [((1, 0), (4, 7), (2, 3)), ((-1, 6), (0, 1), (-1, -2)),
                                  ((0,), (3,), None)], ids=str)
def test_strided_slice(args, rng):
    X = te.placeholder((5, 7), name="X")
    x = rng.random((5, 7), dtype="float32")
    begin, end, strides = args
    slices = tuple(slice(b, e, 1 if strides is None else s)
                   for b, e, s in zip(begin, end, strides or [1] * len(begin)))
    np.testing.assert_array_equal(run(topi.strided_slice(X, begin, end, strides), [X], [x]),
                                  x[slices])


def test_tensordot_and_einsum(rng):
    A = te.placeholder((3, 4, 5), name="A")
    B = te.placeholder((4, 5, 6), name="B")
    a, b = rng.random((3, 4, 5), dtype="float32"), rng.random((4, 5, 6), dtype="float32")
    np.testing.assert_allclose(run(topi.tensordot(A, B, 2), [A, B], [a, b]),
                               np.tensordot(a, b, 2), rtol=1e-5)
    np.testing.assert_allclose(run(topi.tensordot(A, B, ([1], [0])), [A, B], [a, b]),
                               np.tensordot(a, b, ([1], [0])), rtol=1e-5)
    M = te.placeholder((6, 6), name="M")
    m = rng.random((6, 6), dtype="float32")
    for spec in ("ii->i", "ij->ji", "ij->", "ii"):
        np.testing.assert_allclose(run(topi.einsum(spec, M), [M], [m]).reshape(-1),
                                   np.reshape(np.einsum(spec, m), -1), rtol=1e-5)
    np.testing.assert_allclose(run(topi.einsum("ijk,jkl->il", A, B), [A, B], [a, b]),
                               np.einsum("ijk,jkl->il", a, b), rtol=1e-5)
    with pytest.raises(te.TecompError, match="ellipsis"):
        topi.einsum("...i->i", M)

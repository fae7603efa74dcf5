"""The native CPython entry: used on good calls, never decides an error on its own.

Every check of test_arguments.py already runs through the native entry (it hands
failures to the Python checker). Here: the entry is really used, it accepts what
the Python path accepts (including unusual-but-valid arguments it hands over), it
rejects what the Python path rejects, and it keeps reference counts right.
"""

import gc
import sys
import threading

import numpy as np
import pytest

from codegen.llvm import build
from codegen.llvm.testing import idx, loop
from tecomp.errors import ArgumentTypeError, ArgumentValueError
from tecomp.ir import (LT, Add, AssertStmt, Buffer, Cast, FloorDiv, Load, Mul, PrimFunc,
                       Store, Sub, Var)
from codegen.llvm import fastcall
from tecomp.runtime import KernelAssertionError


def axpy_func():
    """Y[i] = A[i] * a + X[i] for i < n; X has n + 2 elements (compound extent),
    k an int16 scalar checked in an assert, a a float scalar."""
    n, k, a = Var("n"), Var("k", "int16"), Var("a", "float64")
    A = Buffer("A", "float32", (n,))
    X = Buffer("X", "float32", (Add(n, idx(2)),))
    Y = Buffer("Y", "float32", (n,))
    i = Var("i")
    value = Add(Mul(Load("float32", A, i), Cast("float32", a)), Load("float32", X, i))
    body = AssertStmt(LT(Cast("int64", k), idx(100)), "k must be below 100",
                      loop(i, n, Store(Y, value, i)))
    return PrimFunc("axpy", (A, X, Y, a, k, n), body)


@pytest.fixture(scope="module")
def f():
    return build(axpy_func())


def args(n=5):
    return (np.arange(n, dtype="float32"), np.ones(n + 2, "float32"), np.zeros(n, "float32"))


def test_fast_entry_is_used(f):
    if not fastcall.available():
        pytest.skip("the native entry is unavailable on this Python/numpy")
    A, X, Y = args()
    f(A, X, Y, 2.0, 3)
    fast = f["axpy"].fast
    assert type(fast).__name__ == "builtin_function_or_method" and fast.__name__ == "axpy"
    np.testing.assert_array_equal(Y, A * 2 + 1)
    Y[:] = 0
    assert fast(A, X, Y, 3.0, 1) is None
    np.testing.assert_array_equal(Y, A * 3 + 1)


def test_valid_arguments_the_entry_hands_over(f):
    """numpy scalars, ints for a float, a passed size, subclasses: still accepted."""
    A, X, Y = args()
    f(A, X, Y, np.float32(2.0), np.int16(3))
    np.testing.assert_array_equal(Y, A * 2 + 1)
    f(A, X, Y, 4, 3, 5)
    np.testing.assert_array_equal(Y, A * 4 + 1)

    class Sub_(np.ndarray):
        pass
    f(A.view(Sub_), X, Y, 1.0, 0)
    np.testing.assert_array_equal(Y, A + 1)
    f(np.zeros(0, "float32"), np.ones(2, "float32"), np.zeros(0, "float32"), 1.0, 0)


def test_entry_rejects_like_python(f):
    A, X, Y = args()
    with pytest.raises(ArgumentTypeError, match="argument 1 'A': expected dtype float32, got "
                                                ">f4"):
        f(A.astype(">f4"), X, Y, 1.0, 0)
    with pytest.raises(ArgumentValueError, match=r"argument 2 'X': expected shape \(\(?n \+ 2"):
        f(A, np.ones(6, "float32"), Y, 1.0, 0)
    with pytest.raises(ArgumentValueError, match="'k': 40000 does not fit dtype int16"):
        f(A, X, Y, 1.0, 40000)
    with pytest.raises(ArgumentValueError, match="does not fit dtype int16"):
        f(A, X, Y, 1.0, 2 ** 70)           # PyLong overflow: error cleared, Python decides
    with pytest.raises(ArgumentTypeError, match="'k': expected an integer of dtype int16, "
                                                "got bool"):
        f(A, X, Y, 1.0, True)
    with pytest.raises(ArgumentTypeError, match="takes 6 .* or 5 .* arguments, got 4"):
        f(A, X, Y, 1.0)
    with pytest.raises(ArgumentValueError, match="argument 6 'n': got 4 but shape"):
        f(A, X, Y, 1.0, 0, 4)
    with pytest.raises(ArgumentValueError, match="'Y' overlaps argument 1 'A'"):
        f(A, X, A, 1.0, 0)
    with pytest.raises(ArgumentValueError, match="C-contiguous"):
        f(np.arange(10, dtype="float32")[::2], X, Y, 1.0, 0)
    Y.flags.writeable = False
    with pytest.raises(ArgumentValueError, match="read-only"):
        f(A, X, Y, 1.0, 0)


def test_kernel_assert_raises_through_entry(f):
    A, X, Y = args()
    with pytest.raises(KernelAssertionError, match="axpy: k must be below 100"):
        f(A, X, Y, 1.0, 100)


def test_reference_counts_stay(f):
    """A leaked or stolen reference would drift by the number of calls; other
    code in the process may move None's count by a few."""
    A, X, Y = args()
    f(A, X, Y, 1.0, 0)
    gc.collect()          # a collection during the loop would free others' references to None
    gc.disable()
    try:
        before = [sys.getrefcount(o) for o in (None, A, X, Y)]
        for _ in range(1000):
            f(A, X, Y, 1.0, 0)
        for _ in range(100):
            with pytest.raises(ArgumentValueError):
                f(A, X, A, 1.0, 0)
            with pytest.raises(KernelAssertionError):
                f(A, X, Y, 1.0, 200)
        after = [sys.getrefcount(o) for o in (None, A, X, Y)]
    finally:
        gc.enable()
    assert after[1:] == before[1:]
    assert abs(after[0] - before[0]) < 20


def test_floor_division_extent_and_threads():
    """A compound extent with floor division, and calls from several Python threads
    (the entry releases the GIL around the kernel)."""
    n = Var("n")
    A = Buffer("A", "int32", (n,))
    B = Buffer("B", "int32", (FloorDiv(Sub(n, idx(1)), idx(4)),))
    i = Var("i")
    g = build(PrimFunc("quarter", (A, B), loop(i, FloorDiv(Sub(n, idx(1)), idx(4)),
                                                  Store(B, Load("int32", A, Mul(i, idx(4))),
                                                        i))))
    a = np.arange(9, dtype="int32")
    b = np.zeros(2, "int32")
    g(a, b)
    np.testing.assert_array_equal(b, [0, 4])
    with pytest.raises(ArgumentValueError, match="axis 0 must be"):
        g(a, np.zeros(3, "int32"))
    errors = []

    def work():
        try:
            for _ in range(2000):
                out = np.zeros(2, "int32")
                g(a, out)
                assert out.tolist() == [0, 4]
        except Exception as exc:        # pragma: no cover - reported below
            errors.append(exc)
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_entry_cached_by_signature():
    if not fastcall.available():
        pytest.skip("the native entry is unavailable on this Python/numpy")
    f1, f2 = build(axpy_func()), build(axpy_func())
    A, X, Y = args()
    f1(A, X, Y, 1.0, 0)
    f2(A, X, Y, 1.0, 0)
    assert f1["axpy"].fast.__self__[-1] is f2["axpy"].fast.__self__[-1]   # one engine

"""Call-time argument checks: one test per check, matching the message's key words."""

import numpy as np
import pytest

from codegen.llvm import build
from codegen.llvm.testing import idx, loop
from tecomp.errors import ArgumentTypeError, ArgumentValueError, BuildError
from tecomp.ir import Add, Buffer, Cast, Load, Mul, PrimFunc, Store, Var


def _add_func():
    """C[i, j] = A[i, j] + B[j] * s; A, C: (n, 4), B: (4,); s an int32 scalar."""
    n, s = Var("n"), Var("s", "int32")
    A, B, C = (Buffer("A", "float32", (n, idx(4))), Buffer("B", "float32", (idx(4),)),
               Buffer("C", "float32", (n, idx(4))))
    i, j = Var("i"), Var("j")
    at = Add(Mul(i, idx(4)), j)
    value = Add(Load("float32", A, at), Mul(Load("float32", B, j), Cast("float32", s)))
    return PrimFunc("addmul", (A, B, C, s, n), loop(i, n, loop(j, 4, Store(C, value, at))))


@pytest.fixture(scope="module")
def f():
    return build(_add_func())


def arrays(n=3):
    return (np.ones((n, 4), "float32"), np.arange(4, dtype="float32"), np.zeros((n, 4), "float32"))


def test_good_call_short_and_full(f):
    a, b, c = arrays()
    f(a, b, c, 2)
    np.testing.assert_array_equal(c, a + 2 * b)
    f(a, b, c, 3, 3)                         # n listed as a param may be passed too
    np.testing.assert_array_equal(c, a + 3 * b)
    f(np.ones((0, 4), "float32"), b, np.zeros((0, 4), "float32"), 1)


def test_count(f):
    with pytest.raises(ArgumentTypeError, match=r"addmul\(\) takes 5 \(A, B, C, s, n\) or 4 "
                                                r"\(A, B, C, s\) arguments, got 2"):
        f(*arrays()[:2])


def test_not_an_array(f):
    a, b, c = arrays()
    with pytest.raises(ArgumentTypeError, match="argument 2 'B': expected a numpy.ndarray of "
                                                r"dtype float32 and shape \(4,\), got list"):
        f(a, [0, 1, 2, 3], c, 1)


def test_dtype(f):
    a, b, c = arrays()
    with pytest.raises(ArgumentTypeError, match="argument 2 'B': expected dtype float32, got "
                                                "float64"):
        f(a, b.astype("float64"), c, 1)


def test_ndim(f):
    a, b, c = arrays()
    with pytest.raises(ArgumentValueError, match="argument 1 'A': expected 2 dimensions"):
        f(a.ravel(), b, c, 1)


def test_constant_extent(f):
    a, b, c = arrays()
    with pytest.raises(ArgumentValueError, match=r"argument 2 'B': expected shape \(4,\), got "
                                                 r"\(5,\) \(axis 0 must be 4\)"):
        f(a, np.zeros(5, "float32"), c, 1)


def test_symbolic_extents_must_agree(f):
    a, b, _ = arrays(3)
    with pytest.raises(ArgumentValueError, match=r"argument 3 'C': shape\[0\] is 5 but n = 3 "
                                                 r"from shape\[0\] of argument 1 'A'"):
        f(a, b, np.zeros((5, 4), "float32"), 1)


def test_passed_size_var_must_agree(f):
    a, b, c = arrays(3)
    with pytest.raises(ArgumentValueError, match="argument 5 'n': got 4 but shape"):
        f(a, b, c, 1, 4)


def test_scalar_type_and_range(f):
    a, b, c = arrays()
    with pytest.raises(ArgumentTypeError, match="argument 4 's': expected an integer of dtype "
                                                "int32, got float"):
        f(a, b, c, 1.5)
    with pytest.raises(ArgumentValueError, match="argument 4 's': 4294967296 does not fit "
                                                 "dtype int32"):
        f(a, b, c, 2 ** 32)


def test_contiguity(f):
    a, b, c = arrays()
    with pytest.raises(ArgumentValueError, match="argument 1 'A': expected a C-contiguous"):
        f(np.asfortranarray(np.ones((3, 4), "float32")), b, c, 1)


def test_written_array_must_be_writable(f):
    a, b, c = arrays()
    c.flags.writeable = False
    with pytest.raises(ArgumentValueError, match="argument 3 'C': the function writes this "
                                                 "array but it is read-only"):
        f(a, b, c, 1)
    a.flags.writeable = False                # read-only inputs are fine
    c2 = np.zeros((3, 4), "float32")
    f(a, b, c2, 1)


def test_output_overlapping_input(f):
    a, b, _ = arrays()
    with pytest.raises(ArgumentValueError, match="argument 3 'C' overlaps argument 1 'A'"):
        f(a, b, a, 1)
    big = np.zeros(20, "float32")
    with pytest.raises(ArgumentValueError, match="overlaps argument 2 'B'"):
        f(a, big[:4], big[2:14].reshape(3, 4), 1)
    f(big[:12].reshape(3, 4), big[10:14], np.zeros((3, 4), "float32"), 1)  # inputs may overlap


def test_var_only_in_compound_extent_must_be_a_param():
    n = Var("n")
    A = Buffer("A", "float32", (Mul(n, idx(2)),))
    with pytest.raises(BuildError, match="size variable 'n' appears only inside compound"):
        build(PrimFunc("bad", (A,), loop(Var("i"), Mul(n, idx(2)),
                                         Store(A, Load("float32", A, idx(0)), idx(0)))))


def test_compound_extent_checked():
    n = Var("n")
    A, B = Buffer("A", "float32", (n,)), Buffer("B", "float32", (Mul(n, idx(2)),))
    i = Var("i")
    f = build(PrimFunc("twice", (A, B, n),
                       loop(i, Mul(n, idx(2)), Store(B, Load("float32", A, idx(0)), i))))
    f(np.ones(3, "float32"), np.zeros(6, "float32"))
    with pytest.raises(ArgumentValueError, match=r"axis 0 must be \(?n \* 2\)? = 6"):
        f(np.ones(3, "float32"), np.zeros(7, "float32"))


def test_module_lookup(f):
    assert f.entry_name == "addmul"
    assert f["addmul"] is f.get_function("addmul")
    with pytest.raises(KeyError, match="no function 'nope'; functions: addmul"):
        f["nope"]


def test_python_pointer_fallback_path():
    """The Python checker with pointers read in Python (what the native entry
    falls back to): same checks, same results."""
    g = build(_add_func())["addmul"]
    a, b, c = arrays()
    g.checked_call(a, b, c, 2)
    np.testing.assert_array_equal(c, a + 2 * b)
    with pytest.raises(ArgumentValueError, match="argument 3 'C' overlaps argument 1 'A'"):
        g.checked_call(a, b, a, 1)
    with pytest.raises(ArgumentTypeError, match="expected dtype float32"):
        g.checked_call(a, b.astype("float64"), c, 1)


def test_assert_failure_via_module():
    from tecomp.ir import AssertStmt, LT
    from tecomp.runtime import KernelAssertionError
    n = Var("n")
    A = Buffer("A", "int8", (n,))
    f = build(PrimFunc("need4", (A,), AssertStmt(LT(idx(3), n), "A needs 4 elements",
                                                  Store(A, Load("int8", A, idx(3)), idx(0)))))
    with pytest.raises(KernelAssertionError, match="need4: A needs 4 elements"):
        f(np.zeros(2, "int8"))

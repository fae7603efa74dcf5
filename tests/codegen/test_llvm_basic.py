import numpy as np

from codegen.llvm import build
from tecomp.ir import Add, FloatImm
from codegen.llvm.testing import elementwise


def test_add_one_symbolic_size():
    f = build(elementwise("addone", ["float32"], "float32",
                          lambda a: Add(a, FloatImm("float32", 1.0))))
    a = np.arange(37, dtype="float32")
    b = np.empty_like(a)
    f(a, b)
    np.testing.assert_array_equal(b, a + 1)
    assert f.entry_name == "addone"
    assert "@addone(" in f.get_source("ll")


def test_zero_size():
    f = build(elementwise("addone", ["float32"], "float32",
                          lambda a: Add(a, FloatImm("float32", 1.0))))
    a = np.empty(0, "float32")
    f(a, np.empty(0, "float32"))

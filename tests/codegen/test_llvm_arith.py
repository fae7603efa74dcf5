"""Every dtype, binary op, comparison, logic op and cast against numpy."""

import numpy as np
import pytest

from codegen.llvm import build
from codegen.llvm.testing import elementwise
from tecomp import ir
from tecomp.ir import Cast, Not, Select

INTS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
FLOATS = ["float16", "float32", "float64"]
ALL = ["bool"] + INTS + FLOATS
N = 61
rng = np.random.default_rng(0)


def sample(dtype, nonzero=False, small=False):
    if dtype == "bool":
        return rng.integers(0, 2, N).astype(bool)
    if dtype.startswith("float"):
        x = rng.uniform(-20, 20, N).astype(dtype)
        return np.where(x == 0, 1, x).astype(dtype) if nonzero else x
    info = np.iinfo(dtype)
    lo, hi = max(info.min, -100), min(info.max, 100)
    if small:
        lo, hi = max(info.min, -11), min(info.max, 11)
    x = rng.integers(lo, hi, N, endpoint=True).astype(dtype)
    return np.where(x == 0, 3, x).astype(dtype) if nonzero else x


def run(func, *inputs, out_dtype):
    out = np.zeros(N, out_dtype)
    build(func)(*inputs, out)
    return out


@pytest.mark.parametrize("dtype", ALL)
def test_copy_every_dtype(dtype):
    a = sample(dtype)
    np.testing.assert_array_equal(run(elementwise("copy", [dtype], dtype, lambda x: x), a,
                                      out_dtype=dtype), a)


def _trunc_div(a, b):
    q = np.abs(a) // np.abs(b)
    return np.where((a < 0) != (b < 0), -q, q)


ARITH = {
    "Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Min": np.minimum,
    "Max": np.maximum, "FloorDiv": np.floor_divide, "FloorMod": np.mod,
}


@pytest.mark.parametrize("dtype", INTS + FLOATS)
@pytest.mark.parametrize("op", list(ARITH) + ["Div", "Mod"])
def test_binary_ops(dtype, op):
    a, b = sample(dtype, small=True), sample(dtype, nonzero=True, small=True)
    if dtype.startswith("float"):
        a, b = sample(dtype), sample(dtype, nonzero=True)
    func = elementwise(op, [dtype, dtype], dtype, lambda x, y: getattr(ir, op)(x, y))
    got = run(func, a, b, out_dtype=dtype)
    with np.errstate(all="ignore"):
        if op == "Div":
            want = a / b if dtype.startswith("float") else _trunc_div(a, b).astype(dtype)
        elif op == "Mod":
            want = np.fmod(a, b)
        else:
            want = ARITH[op](a, b)
    if dtype == "float16":
        np.testing.assert_allclose(got.astype("float32"), want.astype("float32"), rtol=2e-3,
                                   atol=2e-2)
    elif dtype.startswith("float"):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-5)
    else:
        np.testing.assert_array_equal(got, want.astype(dtype))


def test_floordiv_floormod_negative_operands():
    a = np.array([-7, -7, 7, 7, -6, 6, 0, -1, 1, -9223372036854775807], "int64")
    b = np.array([2, -2, 2, -2, 3, -3, 5, 4, -4, 2], "int64")
    for op, ref in (("FloorDiv", np.floor_divide), ("FloorMod", np.mod)):
        func = elementwise(op, ["int64", "int64"], "int64", lambda x, y: getattr(ir, op)(x, y),
                           n=len(a))
        out = np.zeros(len(a), "int64")
        build(func)(a, b, out)
        np.testing.assert_array_equal(out, ref(a, b))


CMPS = {"EQ": np.equal, "NE": np.not_equal, "LT": np.less, "LE": np.less_equal,
        "GT": np.greater, "GE": np.greater_equal}


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32", "uint64", "float32", "float64"])
def test_comparisons(dtype):
    a, b = sample(dtype), sample(dtype)
    b[::3] = a[::3]
    if dtype.startswith("float"):
        a[5] = np.nan
    for op, ref in CMPS.items():
        func = elementwise(op, [dtype, dtype], "bool", lambda x, y: getattr(ir, op)(x, y))
        np.testing.assert_array_equal(run(func, a, b, out_dtype=bool), ref(a, b), err_msg=op)


def test_logic_and_select():
    a, b = sample("bool"), sample("bool")
    for op, ref in (("And", np.logical_and), ("Or", np.logical_or)):
        func = elementwise(op, ["bool", "bool"], "bool", lambda x, y: getattr(ir, op)(x, y))
        np.testing.assert_array_equal(run(func, a, b, out_dtype=bool), ref(a, b))
    func = elementwise("not", ["bool"], "bool", Not)
    np.testing.assert_array_equal(run(func, a, out_dtype=bool), ~a)
    x, y = sample("float32"), sample("float32")
    func = elementwise("sel", ["bool", "float32", "float32"], "float32", Select)
    np.testing.assert_array_equal(run(func, a, x, y, out_dtype="float32"), np.where(a, x, y))


def _cast_input(src, dst):
    """Values whose conversion numpy and C agree on (in range of dst)."""
    if src == "bool":
        return sample("bool")
    if dst == "bool" or dst.startswith("float"):
        return sample(src)
    lo = 0 if dst.startswith("uint") or src.startswith("uint") else -100
    x = rng.integers(lo, 100, N)
    if src.startswith("float"):
        return (x + 0.25 * np.sign(x)).astype(src)
    return x.astype(src)


def test_all_casts():
    funcs, cases = [], []
    for src in ALL:
        for dst in ALL:
            name = f"cast_{src}_{dst}"
            funcs.append(elementwise(name, [src], dst, lambda x, dst=dst: Cast(dst, x)))
            cases.append((name, src, dst))
    mod = build(funcs)
    for name, src, dst in cases:
        a = _cast_input(src, dst)
        out = np.zeros(N, dst)
        mod[name](a, out)
        if src.startswith("uint") and dst == "float16":
            a = a.astype("float64")
        want = a.astype(dst)
        if dst == "float16" and src in ("int64", "uint64", "float64", "float32"):
            np.testing.assert_allclose(out.astype("float32"), want.astype("float32"), rtol=1e-3)
        else:
            np.testing.assert_array_equal(out, want, err_msg=name)

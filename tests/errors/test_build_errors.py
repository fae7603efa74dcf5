"""Misuse of lower/build and of a built module: LoweringError / BuildError naming
the argument at fault."""

import numpy as np
import pytest

import tecomp as te
from tecomp import BuildError, LoweringError


def program():
    A = te.placeholder((8,), name="A")
    B = te.compute((8,), lambda i: A[i] + 1, name="B")
    return A, B, te.create_schedule(B.op)


def test_build_schedule_without_args():
    A, B, s = program()
    with pytest.raises(BuildError, match=r"a schedule needs its argument list, build\(s, \[A, B, C\]\)"):
        te.build(s)


def test_build_args_not_a_list():
    A, B, s = program()
    with pytest.raises(LoweringError, match="args must be a list of tensors and vars"):
        te.build(s, A)


def test_build_arg_of_wrong_kind():
    A, B, s = program()
    with pytest.raises(LoweringError, match="argument 2 must be a tensor or a te.var, got 3"):
        te.build(s, [A, B, 3])


def test_build_tensor_twice():
    A, B, s = program()
    with pytest.raises(LoweringError, match="tensor 'B' appears twice in args"):
        te.build(s, [A, B, B])


def test_build_unknown_target():
    A, B, s = program()
    with pytest.raises(BuildError, match="unknown target kind 'tpu'; valid kinds: llvm"):
        te.build(s, [A, B], target="tpu")


def test_build_something_else():
    with pytest.raises(BuildError, match="expected a schedule, a lowered function or a dict of "
                                         "them, got int"):
        te.build(42, [])


def test_build_dict_entry_malformed():
    A, B, s = program()
    with pytest.raises(BuildError, match="entry 'k' must be \\(schedule, args\\)"):
        te.build({"k": s})


def test_lower_not_a_schedule():
    A, B, s = program()
    with pytest.raises(LoweringError, match="first argument must be a schedule"):
        te.lower(B, [A, B])


def test_reserved_kernel_name():
    A, B, s = program()
    with pytest.raises(BuildError, match="'malloc' clashes with a C library"):
        te.build(s, [A, B], name="malloc")


def test_kernel_name_not_a_string():
    A, B, s = program()
    with pytest.raises(BuildError, match="name"):
        te.build(s, [A, B], name=3)


def test_kernel_name_not_an_identifier():
    A, B, s = program()
    with pytest.raises(BuildError, match="identifier"):
        te.build(s, [A, B], name="my kernel")


def test_get_source_unknown_format():
    A, B, s = program()
    with pytest.raises(BuildError, match="unknown source format 'pdf'; valid formats: ll"):
        te.build(s, [A, B]).get_source("pdf")


def test_unknown_function_in_module():
    A, B, s = program()
    with pytest.raises(KeyError, match="module has no function 'nope'; functions: f"):
        te.build(s, [A, B], name="f")["nope"]


def test_set_num_threads_invalid():
    A, B, s = program()
    with pytest.raises(ValueError, match="expected a positive int, got 0"):
        te.build(s, [A, B]).set_num_threads(0)


def test_parallel_build_still_runs_after_errors():
    A, B, s = program()
    with pytest.raises(LoweringError):
        te.build(s, [A])
    f = te.build(s, [A, B])
    a, b = np.arange(8, dtype="float32"), np.empty(8, "float32")
    f(a, b)
    np.testing.assert_array_equal(b, a + 1)

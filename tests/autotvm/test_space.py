"""Configuration spaces: the knobs, indexing, JSON, fallbacks."""

import pytest

import tecomp as te
from tecomp import autotvm
from tecomp.autotvm.knobs import (AnnotateSpace, ReorderSpace, SplitEntity, SplitSpace,
                                  VirtualAxis, get_factors, get_pow2s)
from tecomp.autotvm.space import ConfigEntity, ConfigSpace, FallbackConfigEntity


def test_factors_and_powers_of_two():
    assert get_factors(12) == [1, 2, 3, 4, 6, 12]
    assert get_factors(1) == [1]
    assert get_pow2s(12) == [1, 2, 4, 8, 16]


def test_split_policies():
    axis = [VirtualAxis(512)]
    assert len(SplitSpace(axis, "factors", num_outputs=2)) == 10
    three = SplitSpace(axis, "factors", num_outputs=3)
    assert all(512 % (e.size[1] * e.size[2]) == 0 for e in three.entities)
    odd = SplitSpace([VirtualAxis(12)], "power2", num_outputs=2)
    assert [e.size for e in odd.entities] == [[-1, 1], [-1, 2], [-1, 4], [-1, 8]]
    small = SplitSpace(axis, "factors", num_outputs=2, max_factor=16,
                       filter=lambda e: e.size[-1] >= 4)
    assert [e.size[-1] for e in small.entities] == [4, 8, 16]
    chosen = SplitSpace(axis, "candidate", num_outputs=2, candidate=[[-1, 8], [-1, 32]])
    assert len(chosen) == 2


def test_split_errors():
    with pytest.raises(te.ScheduleError, match="unknown policy 'halves'"):
        SplitSpace([VirtualAxis(8)], "halves", num_outputs=2)
    with pytest.raises(te.ScheduleError, match="no choice left"):
        SplitSpace([VirtualAxis(8)], "factors", num_outputs=2, filter=lambda e: False)
    with pytest.raises(te.ScheduleError, match="num_outputs=2"):
        SplitSpace([VirtualAxis(8)], "candidate", num_outputs=2, candidate=[[2, 2, 2]])


def test_split_entity_applies_nested_splits():
    A = te.placeholder((64,), name="A")
    B = te.compute((64,), lambda i: A[i] + 1, name="B")
    s = te.create_schedule(B.op)
    outer, middle, inner = SplitEntity([-1, 4, 2]).apply(s, B, B.op.axis[0])
    lowered = str(te.lower(s, [A, B]))
    assert "0, 8)" in lowered and "0, 4)" in lowered and "0, 2)" in lowered


def test_reorder_and_annotate_spaces():
    axes = [VirtualAxis(4), VirtualAxis(8), VirtualAxis(16)]
    assert len(ReorderSpace(axes, "all")) == 6
    assert len(ReorderSpace(axes, "interval_all", interval=(1, 3))) == 2
    assert len(AnnotateSpace(axes, "try_unroll")) == 8
    # none/unroll/vec on each of 3 axes with at most one vec: 2**3 + 3 * 2**2
    assert len(AnnotateSpace(axes, "try_unroll_vec")) == 20
    with pytest.raises(te.ScheduleError, match="unknown policy 'spin'"):
        AnnotateSpace(axes, "spin")


def test_space_indexing_is_mixed_radix_in_definition_order():
    space = ConfigSpace()
    space.define_split("a", VirtualAxis(8), num_outputs=2)      # 4 choices
    space.define_knob("b", ["x", "y", "z"])                     # 3 choices
    assert len(space) == 12
    point = space.get(7)                                        # 7 = 3 + 1 * 4
    assert point["a"].size == [-1, 8] and point["b"].val == "y"
    with pytest.raises(IndexError, match="out of range"):
        space.get(12)
    with pytest.raises(te.ScheduleError, match="defined twice"):
        space.define_knob("b", [1])
    with pytest.raises(te.ScheduleError, match="no knob named 'c'"):
        space["c"]


def test_config_json_round_trip():
    space = ConfigSpace()
    space.define_split("tile", VirtualAxis(16), num_outputs=3)
    space.define_annotate("ann", [VirtualAxis(2), VirtualAxis(4)], "try_unroll")
    space.define_knob("k", [1, 2])
    point = space.get(len(space) - 1)
    again = ConfigEntity.from_json_dict(point.to_json_dict())
    assert again.index == point.index
    assert again["tile"].size == point["tile"].size
    assert again["ann"].anns == point["ann"].anns and again["k"].val == 2
    assert list(again.get_flatten_feature()) == list(point.get_flatten_feature())


def test_fallback_split_takes_largest_divisors_within_bounds():
    cfg = FallbackConfigEntity()
    cfg.define_split("t128", VirtualAxis(128), num_outputs=3)
    cfg.fallback_split("t128", [-1, 8, 4])
    assert cfg["t128"].size == [4, 8, 4]
    cfg.define_split("t49", VirtualAxis(49), num_outputs=3)
    cfg.fallback_split("t49", [-1, 8, 4])
    assert cfg["t49"].size == [7, 7, 1]


def test_template_collects_space_and_counts_flop():
    from .templates import matmul  # noqa: F401 (registers the template)
    task = autotvm.task.create("test/matmul", args=(64, "float32"), target="llvm")
    assert len(task.config_space) == 7 * 7 * 2
    assert task.flop == 2 * 64 ** 3
    s, args = task.instantiate(task.config_space.get(len(task.config_space) - 1))
    assert "vectorized" in str(te.lower(s, args)) or "ramp" in str(te.lower(s, args)).lower()


def test_unknown_template_is_named():
    with pytest.raises(te.ScheduleError, match="no template named 'test/none'"):
        autotvm.task.create("test/none", args=(), target="llvm")


def test_tvm06_spelling_bare_decorator_and_function_as_task():
    @autotvm.template
    def scaled(n):
        A = te.placeholder((n,), name="A")
        B = te.compute((n,), lambda i: A[i] * 2, name="B")
        s = te.create_schedule(B.op)
        cfg = autotvm.get_config()
        cfg.define_split("tile", B.op.axis[0], num_outputs=2)
        cfg["tile"].apply(s, B, B.op.axis[0])
        return s, [A, B]

    task = autotvm.task.create(scaled, args=(16,), target="llvm")
    assert task.name == "scaled" and len(task.config_space) == 5

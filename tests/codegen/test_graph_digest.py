"""graph_digest: the compile cache's digest of a schedule graph before lowering
(codegen/llvm/graph_digest.py). Equal graphs built anew digest alike; any field,
even one added later, is digested; identity counts, names do not; what cannot be
digested faithfully gives no digest."""

import numpy as np

import tecomp as te
from codegen.llvm.graph_digest import graph_digest


def _graph(factor=4, name="B"):
    A = te.placeholder((32,), name="A")
    B = te.compute((32,), lambda i: A[i] + 1, name=name)
    s = te.create_schedule(B.op)
    s[B].split(B.op.axis[0], factor=factor)
    return s, [A, B]


def _digest(root):
    found = graph_digest(root)
    return found and found[0]


def test_equal_graphs_digest_alike_and_others_differ():
    assert _digest(_graph()) == _digest(_graph())
    assert _digest(_graph(factor=8)) != _digest(_graph())
    assert _digest(_graph(name="C")) != _digest(_graph())


def test_a_new_field_is_digested_without_being_listed():
    s, args = _graph()
    before = _digest((s, args))
    s.stages[-1].a_field_added_later = 3
    after = _digest((s, args))
    s.stages[-1].a_field_added_later = 4
    assert len({before, after, _digest((s, args))}) == 3


def test_objects_are_numbered_by_identity():
    shared = te.var("n")
    same = [shared, shared]
    apart = [te.var("n"), te.var("n")]
    assert _digest(same) != _digest(apart)
    digest, objects = graph_digest(same)
    assert objects == [shared]


def test_plain_values_keep_their_type():
    assert len({_digest(1), _digest(1.0), _digest(True), _digest("1"), _digest(b"1")}) == 5
    assert _digest(np.arange(3)) != _digest(np.arange(3.0))
    assert _digest({"a", "b"}) == _digest({"b", "a"})


def test_what_cannot_be_digested_gives_none():
    s, args = _graph()
    s.stages[-1].hook = lambda: 1                   # a callable lowering might call
    assert graph_digest((s, args)) is None
    assert graph_digest([object()]) is None          # an object of another library
    assert graph_digest({te.var("n")}) is None       # a set of objects: order varies
    assert graph_digest([int]) is None               # a class
    deep = []
    for _ in range(100_000):
        deep = [deep]
    assert graph_digest(deep) is None                # too deep to walk

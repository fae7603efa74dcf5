"""tecomp.testing: TVM's test helpers (assert_allclose, check_numerical_grads, targets)."""

import numpy as np
import pytest

import tecomp as tvm
import tecomp.testing


def test_assert_allclose_compares_values_and_shapes():
    tvm.testing.assert_allclose(np.ones(3), np.ones(3) + 1e-9)
    with pytest.raises(AssertionError):
        tvm.testing.assert_allclose(np.ones(3), np.ones(3) * 1.1, rtol=1e-5)
    with pytest.raises(AssertionError):
        tvm.testing.assert_allclose(np.ones(3), np.ones((1, 3)))


def test_assert_allclose_takes_ndarrays_of_a_built_function():
    A = tvm.placeholder((8,), name="A")
    B = tvm.compute((8,), lambda i: A[i] * 2, name="B")
    f = tvm.build(tvm.create_schedule(B.op), [A, B])
    a = tvm.nd.array(np.arange(8, dtype="float32"))
    b = tvm.nd.empty((8,), "float32")
    f(a, b)
    tvm.testing.assert_allclose(b.asnumpy(), 2 * a.asnumpy())


def test_check_numerical_grads_positional_and_keyword():
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([0.5, -1.0])
    fn = lambda x, y: float(np.sum(x ** 2) * np.sum(y))  # noqa: E731
    grads = [2 * x * np.sum(y), np.full(2, np.sum(x ** 2))]
    tvm.testing.check_numerical_grads(fn, [x, y], grads)
    tvm.testing.check_numerical_grads(fn, {"x": x, "y": y}, {"x": grads[0], "y": grads[1]})


def test_check_numerical_grads_names_the_wrong_input():
    x = np.array([1.0, 2.0, 3.0])
    with pytest.raises(AssertionError, match="wrt '0' differ too much"):
        tvm.testing.check_numerical_grads(lambda x: float(np.sum(x ** 2)), [x], [3 * x])
    with pytest.raises(AssertionError, match="unexpected shape"):
        tvm.testing.check_numerical_grads(lambda x: float(np.sum(x)), [x], [np.ones(2)])


def test_targets_llvm_always_enabled(monkeypatch):
    monkeypatch.delenv("TVM_TEST_TARGETS", raising=False)
    monkeypatch.delenv("TECOMP_TEST_TARGETS", raising=False)
    assert tvm.testing.device_enabled("llvm")
    assert tvm.testing.device_enabled("llvm -mcpu=core-avx2")
    targets = dict(tvm.testing.enabled_targets())
    assert targets["llvm"] == tvm.cpu(0)
    monkeypatch.setenv("TVM_TEST_TARGETS", "llvm")
    assert not tvm.testing.device_enabled("opencl")
    assert [t for t, _ in tvm.testing.enabled_targets()] == ["llvm"]
    with pytest.raises(TypeError, match="target as a string"):
        tvm.testing.device_enabled(tvm.cpu(0))


@tvm.testing.uses_gpu
def test_uses_gpu_marker_runs_everywhere():
    for target, dev in tvm.testing.enabled_targets():
        assert tvm.testing.device_enabled(target)


@tvm.testing.requires_llvm
def test_requires_llvm_marker():
    assert tvm.testing.device_enabled("llvm")


@tvm.testing.parametrize_targets("llvm")
def test_parametrize_targets(target, dev):
    assert target == "llvm" and dev == tvm.cpu(0)

"""Every GPU misuse fails at build time with an error naming what to fix."""

import pytest

import tecomp as te
import kernels


def _add(n=1024):
    A = te.placeholder((n,), name="A")
    C = te.compute((n,), lambda i: A[i] + 1.0, name="C")
    return A, C, te.create_schedule(C.op)


@pytest.mark.parametrize("target", ["cuda", "opencl"])
def test_unbound_loops_at_the_top(target):
    A, C, s = _add()
    with pytest.raises(te.LoweringError, match="loop 'i'.*writing C.*not bound to a GPU thread"):
        te.build(s, [A, C], target=target)


def test_partly_bound_stage_leaves_a_host_loop():
    A, C, s = _add()
    xo, xi = s[C].split(C.op.axis[0], factor=64)
    s[C].bind(xi, te.thread_axis("threadIdx.x"))          # xo is a loop around the kernel
    with pytest.raises(te.LoweringError, match="'i.outer'.*not bound"):
        te.build(s, [A, C], target="cuda")


def test_threads_per_block_over_the_limit():
    A = te.placeholder((64, 64), name="A")
    C = te.compute((64, 64), lambda i, j: A[i, j] * 2.0, name="C")
    s = te.create_schedule(C.op)
    s[C].bind(C.op.axis[0], te.thread_axis("threadIdx.y"))
    s[C].bind(C.op.axis[1], te.thread_axis("threadIdx.x"))
    with pytest.raises(te.LoweringError, match="4096 threads per block.*over the limit of 1024"):
        te.build(s, [A, C], target="cuda")


def test_block_dimension_over_its_limit():
    A, C, s = _add(4096)
    bx, tx = s[C].split(C.op.axis[0], factor=2048)
    s[C].bind(bx, te.thread_axis("blockIdx.x"))
    s[C].bind(tx, te.thread_axis("threadIdx.x"))
    with pytest.raises(te.LoweringError, match="threadIdx.x has extent 2048.*limit of 1024"):
        te.build(s, [A, C], target="opencl")


def test_max_num_threads_target_option():
    s, args = kernels.vector_add(block=256)
    with pytest.raises(te.LoweringError, match="256 threads per block.*limit of 128"):
        te.build(s, args, target="cuda -max_num_threads=128")


def test_shared_memory_over_the_limit():
    s, args = kernels.matmul(256, 256, 256, block=(128, 128), threads=(16, 16), k_tile=64)
    with pytest.raises(te.LoweringError, match="65536 bytes of shared memory.*limit of 49152"):
        te.build(s, args, target="cuda")


def test_one_thread_axis_with_two_extents():
    X = te.placeholder((1030,), name="X")
    r = te.reduce_axis((0, 7), name="r")
    Y = te.compute((1024,), lambda i: te.sum(X[i + r], axis=r), name="Y")
    s = te.create_schedule(Y.op)
    XS = s.cache_read(X, "shared", [Y])
    bx, tx = s[Y].split(Y.op.axis[0], factor=128)
    s[Y].bind(bx, te.thread_axis("blockIdx.x"))
    s[Y].bind(tx, te.thread_axis("threadIdx.x"))
    s[XS].compute_at(s[Y], bx)
    _, xi = s[XS].split(XS.op.axis[0], factor=64)          # 64 threads, but Y uses 128
    s[XS].bind(xi, te.thread_axis("threadIdx.x"))
    with pytest.raises(te.LoweringError, match="threadIdx.x is bound with two different "
                                               "extents.*writing 'X.shared'.*same factor"):
        te.build(s, [X, Y], target="cuda")


def test_symbolic_thread_extent():
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    C = te.compute((n,), lambda i: A[i] + 1.0, name="C")
    s = te.create_schedule(C.op)
    s[C].bind(C.op.axis[0], te.thread_axis("threadIdx.x"))
    with pytest.raises(te.LoweringError, match="not a constant.*split the axis by a constant"):
        te.build(s, [A, C], target="cuda")


def test_shared_stage_outside_every_kernel():
    A, C, s = _add()
    AS = s.cache_read(A, "shared", [C])
    for stage in (s[AS], s[C]):
        bx, tx = stage.split(stage.op.axis[0], factor=64)
        stage.bind(bx, te.thread_axis("blockIdx.x"))
        stage.bind(tx, te.thread_axis("threadIdx.x"))
    with pytest.raises(te.LoweringError, match="scope 'shared'.*outside every GPU kernel"):
        te.build(s, [A, C], target="opencl")


def test_shared_buffer_on_the_cpu_target():
    A, C, s = _add()
    AS = s.cache_read(A, "shared", [C])
    s[AS].compute_at(s[C], C.op.axis[0])
    with pytest.raises(te.BuildError, match="scope 'shared'.*target 'llvm'"):
        te.build(s, [A, C], target="llvm")


def test_thread_binding_on_the_cpu_target():
    s, args = kernels.vector_add()
    with pytest.raises(te.BuildError, match="bound to GPU thread axis threadIdx.x.*CPU"):
        te.build(s, args, target="llvm")

"""vthread as TVM's virtual threads (transform/inject_virtual_thread.py): the
virtual threads' statements are interleaved, buffers they write get one copy per
virtual thread, and whatever cannot be interleaved safely runs serially; on
OpenCL against numpy and to PTX."""

import numpy as np
import pytest

import tecomp as te
from gpu_support import needs_cuda_gpu, needs_nvrtc, needs_opencl
from tecomp.errors import LoweringError
from tecomp.ir import stmt as S
from tecomp.ir.functor import collect
from tecomp.transform.inject_virtual_thread import inject_virtual_thread, is_vthread_loop


def vthread_gemm(n, num_thread=4, scale=4, vthreads=2):
    """The schedule of TVM's "How to optimize GEMM/convolution on GPU": a block
    tile of ``scale * num_thread * vthreads`` per side, ``vthread`` loops outside
    the thread loops, a local accumulator tile and shared input tiles."""
    A = te.placeholder((n, n), name="A")
    B = te.placeholder((n, n), name="B")
    k = te.reduce_axis((0, n), name="k")
    C = te.compute((n, n), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    s = te.create_schedule(C.op)
    AA = s.cache_read(A, "shared", [C])
    BB = s.cache_read(B, "shared", [C])
    AL = s.cache_read(AA, "local", [C])
    BL = s.cache_read(BB, "local", [C])
    CC = s.cache_write(C, "local")
    block = scale * num_thread * vthreads
    tx_, ty_ = te.thread_axis((0, num_thread), "threadIdx.x"), te.thread_axis((0, num_thread), "threadIdx.y")
    by, yi = s[C].split(C.op.axis[0], factor=block)
    bx, xi = s[C].split(C.op.axis[1], factor=block)
    s[C].reorder(by, bx, yi, xi)
    s[C].bind(by, te.thread_axis("blockIdx.y"))
    s[C].bind(bx, te.thread_axis("blockIdx.x"))
    tyz, yi = s[C].split(yi, nparts=vthreads)
    ty, yi = s[C].split(yi, nparts=num_thread)
    txz, xi = s[C].split(xi, nparts=vthreads)
    tx, xi = s[C].split(xi, nparts=num_thread)
    s[C].reorder(tyz, txz, ty, tx, yi, xi)
    s[C].bind(tyz, te.thread_axis((0, vthreads), "vthread", name="vy"))
    s[C].bind(txz, te.thread_axis((0, vthreads), "vthread", name="vx"))
    s[C].bind(ty, ty_)
    s[C].bind(tx, tx_)
    s[CC].compute_at(s[C], tx)
    ko, ki = s[CC].split(CC.op.reduce_axis[0], factor=8)
    yo, xo = CC.op.axis
    s[CC].reorder(ko, ki, yo, xo)
    s[AA].compute_at(s[CC], ko)
    s[BB].compute_at(s[CC], ko)
    s[AL].compute_at(s[CC], ki)
    s[BL].compute_at(s[CC], ki)
    for X in (AA, BB):
        ay, ax = s[X].op.axis
        o, ax = s[X].split(ax, nparts=num_thread)
        s[X].bind(o, tx_)
        o, ay = s[X].split(ay, nparts=num_thread)
        s[X].bind(o, ty_)
    return s, [A, B, C]


def _allocations(program):
    return {a.buffer.name: a.extent.value for kernel in program.kernels
            for a in collect(kernel.func.body, lambda n: isinstance(n, S.Allocate))}


def test_vthread_gemm_interleaves_virtual_threads_with_private_accumulators():
    s, args = vthread_gemm(64)
    program = te.lower(s, args, target="opencl")
    (kernel,) = program.kernels
    assert not collect(kernel.func.body, is_vthread_loop)
    # 2 x 2 virtual threads: four 4x4 accumulator tiles, one per virtual thread
    assert _allocations(program)["C.local"] == 4 * 16
    # the innermost multiply-add holds the four virtual threads' updates side by side
    updates = [st for st in collect(kernel.func.body, lambda n: isinstance(n, S.SeqStmt))
               if all(isinstance(x, S.Store) and x.buffer.name == "C.local" for x in st.seq)]
    assert updates and len(updates[0].seq) == 4
    assert [k.block for k in program.kernels][0][0].value == 4       # 4 x 4 real threads


@needs_opencl
@pytest.mark.parametrize("n", [64, 100])
def test_vthread_gemm_on_opencl(rng, n):
    s, args = vthread_gemm(n)
    f = te.build(s, args, target="opencl")
    a, b = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
    c = np.zeros((n, n), np.float32)
    f(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-4)


@needs_nvrtc
def test_vthread_gemm_compiles_to_ptx():
    s, args = vthread_gemm(128)
    f = te.build(s, args, target="cuda -arch=sm_80")
    assert ".entry default_function_kernel0" in f.get_source("ptx")
    assert "vy" not in f.imported_modules[0].get_source()


def _vthread_reduction():
    """A sum whose split reduce axis is bound to vthread: the virtual threads add
    into the same element, so they run one after another."""
    A = te.placeholder((8, 64), name="A")
    k = te.reduce_axis((0, 64), name="k")
    B = te.compute((8,), lambda i: te.sum(A[i, k] + 1.0, axis=k), name="B")
    s = te.create_schedule(B.op)
    ko, ki = s[B].split(k, nparts=4)
    s[B].bind(s[B].op.axis[0], te.thread_axis("threadIdx.x"))
    s[B].bind(ko, te.thread_axis("vthread"))
    return s, [A, B]


def test_vthread_on_a_reduce_axis_runs_serially():
    s, args = _vthread_reduction()
    func = inject_virtual_thread(te.lower(s, args))
    loops = collect(func.body, lambda n: isinstance(n, S.For) and n.kind == S.ForKind.SERIAL)
    assert [loop.extent.value for loop in loops] == [16, 4]      # k.inner, vthread (post order)
    assert not collect(func.body, is_vthread_loop)


@needs_opencl
def test_vthread_on_a_reduce_axis_on_opencl(rng):
    s, args = _vthread_reduction()
    f = te.build(s, args, target="opencl")
    a = rng.random((8, 64), dtype=np.float32)
    b = np.zeros(8, np.float32)
    f(a, b)
    np.testing.assert_allclose(b, (a + 1.0).sum(axis=1), rtol=1e-5)


@needs_opencl
def test_vthread_elementwise_with_a_local_stage(rng):
    n = 200
    A = te.placeholder((n,), name="A")
    T = te.compute((n,), lambda i: A[i] * 2.0, name="T")
    C = te.compute((n,), lambda i: T[i] + 1.0, name="C")
    s = te.create_schedule(C.op)
    bx, tx = s[C].split(C.op.axis[0], factor=16)
    bx, vt = s[C].split(bx, factor=3)
    s[C].bind(bx, te.thread_axis("blockIdx.x"))
    s[C].bind(vt, te.thread_axis("vthread"))
    s[C].bind(tx, te.thread_axis("threadIdx.x"))
    s[T].compute_at(s[C], tx)
    program = te.lower(s, [A, C], target="opencl")
    assert _allocations(program)["T"] == 3
    f = te.build(s, [A, C], target="opencl")
    a = rng.random(n, dtype=np.float32)
    c = np.zeros(n, np.float32)
    f(a, c)
    np.testing.assert_allclose(c, a * 2.0 + 1.0, rtol=1e-6)


def test_vthread_of_symbolic_extent_is_refused():
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    C = te.compute((n,), lambda i: A[i] + 1.0, name="C")
    s = te.create_schedule(C.op)
    vo, tx = s[C].split(C.op.axis[0], factor=32)
    s[C].bind(vo, te.thread_axis("vthread"))
    s[C].bind(tx, te.thread_axis("threadIdx.x"))
    with pytest.raises(LoweringError, match=r"loop 'vthread' writing 'C' is bound to vthread .*n \+ 31.* not a constant"):
        te.lower(s, [A, C], target="opencl")


@needs_cuda_gpu
def test_vthread_gemm_runs_on_the_gpu(rng):
    s, args = vthread_gemm(100)
    f = te.build(s, args, target="cuda")
    a, b = rng.random((100, 100), dtype=np.float32), rng.random((100, 100), dtype=np.float32)
    c = np.zeros((100, 100), np.float32)
    f(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-4)

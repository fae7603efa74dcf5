"""The GPU lowering passes, one at a time, on their IR."""

import tecomp as te
from tecomp.ir import Buffer, Var
from tecomp.ir import expr as E
from tecomp.ir import stmt as S
from tecomp.ir.functor import collect
from tecomp.runtime.evaluate import evaluate
from tecomp.transform.insert_barriers import insert_barriers, is_barrier
from tecomp.transform.lower_thread_binding import lower_thread_binding, thread_extents
from tecomp.transform.split_host_device import split_host_device
import kernels


def _attrs(stmt):
    return collect(stmt, lambda n: isinstance(n, S.AttrStmt) and n.key == "thread_extent")


def test_lower_thread_binding_one_variable_per_tag():
    s, args = kernels.window_sum(256, 3, 64)
    func = lower_thread_binding(te.lower(s, args))
    assert not collect(func.body, lambda n: isinstance(n, S.For) and n.kind == "thread_binding")
    tx_vars = {a.node.var for a in _attrs(func.body) if a.node.thread_tag == "threadIdx.x"}
    assert len(tx_vars) == 1                          # the fill and the sum share threadIdx.x
    assert thread_extents(func.body)["threadIdx.x"].value == 64


def test_lower_thread_binding_returns_same_func_without_bindings():
    A = te.placeholder((8,), name="A")
    C = te.compute((8,), lambda i: A[i] + 1.0, name="C")
    func = te.lower(te.create_schedule(C.op), [A, C])
    assert lower_thread_binding(func) is func


def test_vthread_left_for_lower_thread_binding_becomes_an_unrolled_loop():
    A = te.placeholder((64,), name="A")
    C = te.compute((64,), lambda i: A[i] + 1.0, name="C")
    s = te.create_schedule(C.op)
    vo, tx = s[C].split(C.op.axis[0], factor=32)
    s[C].bind(vo, te.thread_axis("vthread"))
    s[C].bind(tx, te.thread_axis("threadIdx.x"))
    func = lower_thread_binding(te.lower(s, [A, C]))
    loops = collect(func.body, lambda n: isinstance(n, S.For))
    assert [loop.kind for loop in loops] == ["unrolled"]


def test_split_host_device_symbolic_grid_and_parameters():
    s, args = kernels.vector_add(block=64)
    program = split_host_device(lower_thread_binding(te.lower(s, args, name="vadd")))
    (kernel,) = program.kernels
    assert kernel.name == "vadd_kernel0"
    n = kernel.func.params[-1]
    assert evaluate(kernel.grid[0], {n: 1000}) == 16       # ceil(1000 / 64)
    assert [e.value for e in kernel.block] == [64, 1, 1]
    assert [p.name for p in kernel.func.params] == ["A", "B", "C", "n"]


def test_split_host_device_infers_local_scope_inside_threads():
    A = te.placeholder((256,), name="A")
    T = te.compute((256,), lambda i: A[i] * 2.0, name="T")
    C = te.compute((256,), lambda i: T[i] + 1.0, name="C")
    s = te.create_schedule(C.op)
    bx, tx = s[C].split(C.op.axis[0], factor=64)
    s[C].bind(bx, te.thread_axis("blockIdx.x"))
    s[C].bind(tx, te.thread_axis("threadIdx.x"))
    s[T].compute_at(s[C], tx)                          # default scope "global"
    program = split_host_device(lower_thread_binding(te.lower(s, [A, C])))
    allocs = collect(program.kernels[0].func.body, lambda n: isinstance(n, S.Allocate))
    assert [a.buffer.scope for a in allocs] == ["local"]


def _shared_loop():
    """for ko: { X.shared[tx] = A[...]; C[tx] += X.shared[63 - tx] }"""
    a, c = Buffer("A", "float32", (E.const_index(1024),)), Buffer("C", "float32", (E.const_index(64),))
    xs = Buffer("X.shared", "float32", (E.const_index(64),), "shared")
    tx, ko = Var("tx"), Var("ko")
    fill = S.Store(xs, E.Load("float32", a, E.Add(E.Mul(ko, E.const_index(64)), tx)), tx)
    use = S.Store(c, E.Add(E.Load("float32", c, tx),
                           E.Load("float32", xs, E.Sub(E.const_index(63), tx))), tx)
    loop = S.For(ko, E.const_index(0), E.const_index(16), "serial", S.seq(fill, use))
    return S.Allocate(xs, E.const_index(64), loop), fill, use


def test_insert_barriers_after_fill_and_before_next_fill():
    body, fill, use = _shared_loop()
    out = insert_barriers(body)
    loop = out.body
    items = loop.body.seq
    assert is_barrier(items[0]) and items[1] is fill and is_barrier(items[2]) and items[3] is use


def test_insert_barriers_leaves_kernels_without_shared_memory_alone():
    _, fill, use = _shared_loop()
    plain = S.seq(use, use)
    assert insert_barriers(plain) is plain

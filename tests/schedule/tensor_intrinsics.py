"""Tensor intrinsics the tensorize tests share: a gemv micro-kernel, written as LLVM
IR with llvmlite (so no clang is needed), and its declaration with
``te.decl_tensor_intrin`` in TVM's spelling."""

import llvmlite.ir as ir

import tecomp as tvm
from tecomp import te

F32, I32, PTR = ir.FloatType(), ir.IntType(32), ir.PointerType()


def _counted_loop(builder, fn, count, name, body):
    """``for (i = 0; i < count; ++i) body(i)`` in LLVM IR."""
    entry = builder.block
    head = fn.append_basic_block(f"{name}.head")
    loop = fn.append_basic_block(f"{name}.body")
    done = fn.append_basic_block(f"{name}.done")
    builder.branch(head)
    builder.position_at_end(head)
    i = builder.phi(I32, name)
    i.add_incoming(ir.Constant(I32, 0), entry)
    builder.cbranch(builder.icmp_signed("<", i, count), loop, done)
    builder.position_at_end(loop)
    body(i)
    nxt = builder.add(i, ir.Constant(I32, 1))
    i.add_incoming(nxt, builder.block)
    builder.branch(head)
    builder.position_at_end(done)


def gemv_llvm_ir():
    """LLVM IR text defining, in C terms::

        int gemv_update(float *cc, float *aa, float *bb, int m, int l, int stride)
            { cc[i] += sum_j aa[j] * bb[i * stride + j] for i < m; return 0; }
        int gemv_set(...same...)   { cc[i]  = sum_j ... }
        int gemv_reset(float *cc, int m) { cc[i] = 0 for i < m; return 0; }
    """
    module = ir.Module("gemv")
    for name, accumulate in (("gemv_update", True), ("gemv_set", False)):
        fn = ir.Function(module, ir.FunctionType(I32, [PTR, PTR, PTR, I32, I32, I32]), name)
        cc, aa, bb, m, l, stride = fn.args
        b = ir.IRBuilder(fn.append_basic_block("entry"))

        def row(i, b=b, fn=fn, cc=cc, aa=aa, bb=bb, l=l, stride=stride, acc=accumulate):
            slot = b.gep(cc, [i], source_etype=F32)
            total = b.alloca(F32)
            b.store(b.load(slot, typ=F32) if acc else ir.Constant(F32, 0.0), total)

            def term(j):
                x = b.load(b.gep(aa, [j], source_etype=F32), typ=F32)
                y = b.load(b.gep(bb, [b.add(b.mul(i, stride), j)], source_etype=F32), typ=F32)
                b.store(b.fadd(b.load(total, typ=F32), b.fmul(x, y)), total)

            _counted_loop(b, fn, l, "j", term)
            b.store(b.load(total, typ=F32), slot)

        _counted_loop(b, fn, m, "i", row)
        b.ret(ir.Constant(I32, 0))
    fn = ir.Function(module, ir.FunctionType(I32, [PTR, I32]), "gemv_reset")
    cc, m = fn.args
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    _counted_loop(b, fn, m, "i",
                  lambda i: b.store(ir.Constant(F32, 0.0), b.gep(cc, [i], source_etype=F32)))
    b.ret(ir.Constant(I32, 0))
    return str(module)


def gemv_intrin(m, l, variant="body", offset_factor=1, b_strides="var"):
    """``c[i] = sum_k a[k] * b[i, k]`` (``m`` x ``l``) calling the functions of
    :func:`gemv_llvm_ir`. ``variant``: ``"body"`` (gemv_update only),
    ``"init_update"`` (body, reduce_init, reduce_update), ``"body_update"`` (body
    gemv_set, no reduce_init, reduce_update gemv_update)."""
    a = te.placeholder((l,), name="a")
    b = te.placeholder((m, l), name="b")
    k = te.reduce_axis((0, l), name="k")
    c = te.compute((m,), lambda i: te.sum(a[k] * b[i, k], axis=k), name="c")
    strides = {"var": [te.var("s1"), 1], "compact": None, "one": [1, 1]}[b_strides]
    Ab = tvm.tir.decl_buffer(a.shape, a.dtype, name="A", offset_factor=offset_factor, strides=[1])
    Bb = tvm.tir.decl_buffer(b.shape, b.dtype, name="B", offset_factor=offset_factor,
                             strides=strides)
    Cb = tvm.tir.decl_buffer(c.shape, c.dtype, name="C", offset_factor=offset_factor, strides=[1])

    def call(fname, ins, outs):
        aa, bb = ins
        stride = bb.strides[0] if bb.strides else l
        return tvm.tir.call_extern("int32", fname, outs[0].access_ptr("w"), aa.access_ptr("r"),
                                   bb.access_ptr("r"), m, l, stride)

    def fcompute(ins, outs):
        ib = tvm.tir.ir_builder.create()
        if variant == "body":
            ib.emit(call("gemv_update", ins, outs))
            return ib.get()
        reset = tvm.tir.call_extern("int32", "gemv_reset", outs[0].access_ptr("w"), m)
        if variant == "init_update":
            return call("gemv_update", ins, outs), reset, call("gemv_update", ins, outs)
        return call("gemv_set", ins, outs), None, call("gemv_update", ins, outs)

    return te.decl_tensor_intrin(c.op, fcompute, name=f"gemv_{variant}",
                                 binds={a: Ab, b: Bb, c: Cb})


def matmul_bt(n, m, l, dtype="float32"):
    """``C[i, j] = sum_k A[i, k] * B[j, k]`` and its schedule."""
    A = te.placeholder((n, l), name="A", dtype=dtype)
    B = te.placeholder((m, l), name="B", dtype=dtype)
    k = te.reduce_axis((0, l), name="k")
    C = te.compute((n, m), lambda i, j: te.sum(A[i, k] * B[j, k], axis=k), name="C")
    return A, B, C, te.create_schedule(C.op)

"""The GPU schedules the tests, golden files, tutorial and benchmark share."""

import tecomp as te


def vector_add(n=None, block=64):
    n = te.var("n") if n is None else n
    A = te.placeholder((n,), name="A")
    B = te.placeholder((n,), name="B")
    C = te.compute((n,), lambda i: A[i] + B[i], name="C")
    s = te.create_schedule(C.op)
    bx, tx = s[C].split(C.op.axis[0], factor=block)
    s[C].bind(bx, te.thread_axis("blockIdx.x"))
    s[C].bind(tx, te.thread_axis("threadIdx.x"))
    return s, [A, B, C]


def window_sum(n=1024, radius=3, block=128):
    """Y[i] = sum of X[i .. i + 2*radius]: each block stages its tile plus the
    2*radius halo in shared memory, cooperatively, then each thread sums."""
    X = te.placeholder((n + 2 * radius,), name="X")
    r = te.reduce_axis((0, 2 * radius + 1), name="r")
    Y = te.compute((n,), lambda i: te.sum(X[i + r], axis=r), name="Y")
    s = te.create_schedule(Y.op)
    XS = s.cache_read(X, "shared", [Y])
    bx, tx = s[Y].split(Y.op.axis[0], factor=block)
    s[Y].bind(bx, te.thread_axis("blockIdx.x"))
    s[Y].bind(tx, te.thread_axis("threadIdx.x"))
    s[XS].compute_at(s[Y], bx)
    _, xi = s[XS].split(XS.op.axis[0], factor=block)
    s[XS].bind(xi, te.thread_axis("threadIdx.x"))
    return s, [X, Y]


def row_sum(rows=None, cols=256, block=64):
    rows = te.var("rows") if rows is None else rows
    A = te.placeholder((rows, cols), name="A")
    k = te.reduce_axis((0, cols), name="k")
    B = te.compute((rows,), lambda i: te.sum(A[i, k], axis=k), name="B")
    s = te.create_schedule(B.op)
    bx, tx = s[B].split(B.op.axis[0], factor=block)
    s[B].bind(bx, te.thread_axis("blockIdx.x"))
    s[B].bind(tx, te.thread_axis("threadIdx.x"))
    return s, [A, B]


def matmul(M, N, K, block=(32, 32), threads=(8, 8), k_tile=8, dtype="float32"):
    """C = A @ B: shared-memory tiles of A and B per k step (cache_read), a
    register tile of (block/threads) outputs per thread (cache_write "local"),
    each thread's tile contiguous."""
    A = te.placeholder((M, K), name="A", dtype=dtype)
    B = te.placeholder((K, N), name="B", dtype=dtype)
    k = te.reduce_axis((0, K), name="k")
    C = te.compute((M, N), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    s = te.create_schedule(C.op)
    AS = s.cache_read(A, "shared", [C])
    BS = s.cache_read(B, "shared", [C])
    CL = s.cache_write(C, "local")
    by, bx, yi, xi = s[C].tile(C.op.axis[0], C.op.axis[1], block[0], block[1])
    ty, yr = s[C].split(yi, nparts=threads[0])
    tx, xr = s[C].split(xi, nparts=threads[1])
    s[C].reorder(by, bx, ty, tx, yr, xr)
    _bind(s[C], by, bx, ty, tx)
    _register_tile(s, C, CL, [AS, BS], tx, threads, k_tile)
    return s, [A, B, C]


def matmul_strided(M, N, K, block=(128, 128), threads=(16, 16), k_tile=8,
                   dtype="float32"):
    """The fast layout: C computed as a 6-D view ``C6[by, yr, ty, bx, xr, tx]``
    (exactly the row-major (M, N) array, reshaped), so that thread (ty, tx)
    owns rows ``ty + threads_y * yr``: neighbouring threads read neighbouring
    shared-memory words (no bank conflicts) and write neighbouring global ones,
    while its register tile is still a dense (yr, xr) block (TVM gets this layout
    with vthread)."""
    ty_n, tx_n = threads
    ry, rx = block[0] // ty_n, block[1] // tx_n
    A = te.placeholder((M, K), name="A", dtype=dtype)
    B = te.placeholder((K, N), name="B", dtype=dtype)
    k = te.reduce_axis((0, K), name="k")
    shape = (M // block[0], ry, ty_n, N // block[1], rx, tx_n)
    C = te.compute(shape, lambda by, yr, ty, bx, xr, tx: te.sum(
        A[by * block[0] + yr * ty_n + ty, k] * B[k, bx * block[1] + xr * tx_n + tx], axis=k),
        name="C")
    s = te.create_schedule(C.op)
    AS = s.cache_read(A, "shared", [C])
    BS = s.cache_read(B, "shared", [C])
    CL = s.cache_write(C, "local")
    by, yr, ty, bx, xr, tx = s[C].op.axis
    s[C].reorder(by, bx, ty, tx, yr, xr)
    _bind(s[C], by, bx, ty, tx)
    _register_tile(s, C, CL, [AS, BS], tx, threads, k_tile)
    return s, [A, B, C]


def _bind(stage, by, bx, ty, tx):
    for iv, tag in ((by, "blockIdx.y"), (bx, "blockIdx.x"), (ty, "threadIdx.y"),
                    (tx, "threadIdx.x")):
        stage.bind(iv, te.thread_axis(tag))


def _register_tile(s, C, CL, caches, tx, threads, k_tile):
    """CL (the local accumulator) at C's thread loop, its k loop split by
    k_tile with the shared tiles filled cooperatively at each k step."""
    inner = [iv for iv in s[C].leaf_iter_vars[s[C].leaf_iter_vars.index(tx) + 1:]]
    for iv in inner:
        s[C].unroll(iv)
    s[CL].compute_at(s[C], tx)
    (kk,) = s[CL].op.reduce_axis
    ko, ki = s[CL].split(kk, factor=k_tile)
    spatial = [iv for iv in s[CL].op.axis]
    s[CL].reorder(ko, ki, *spatial)
    s[CL].unroll(ki)
    for iv in spatial:
        s[CL].unroll(iv)
    ty_n, tx_n = threads
    for cache in caches:
        s[cache].compute_at(s[CL], ko)
        fused = s[cache].fuse(*s[cache].op.axis)
        rest, t = s[cache].split(fused, factor=tx_n * ty_n)
        t_y, t_x = s[cache].split(t, factor=tx_n)
        # fresh thread axes with the same tags as C's: the same threads
        s[cache].bind(t_y, te.thread_axis("threadIdx.y"))
        s[cache].bind(t_x, te.thread_axis("threadIdx.x"))
        s[cache].unroll(rest)


def shared_gemm(n, tile=16, local_chain=False, double=(False, False)):
    """C = A @ B in tiles of ``tile`` x ``tile`` threads, A's and B's tiles read into
    shared memory at each step of k (``double``: which of the two is double
    buffered), and with ``local_chain`` from shared into registers at each k."""
    A = te.placeholder((n, n), name="A")
    B = te.placeholder((n, n), name="B")
    k = te.reduce_axis((0, n), name="k")
    C = te.compute((n, n), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    s = te.create_schedule(C.op)
    caches = [s.cache_read(A, "shared", [C]), s.cache_read(B, "shared", [C])]
    if local_chain:
        locals_ = [s.cache_read(T, "local", [C]) for T in caches]
    bi, bj, ti, tj = s[C].tile(C.op.axis[0], C.op.axis[1], tile, tile)
    ko, ki = s[C].split(k, factor=tile)
    s[C].reorder(bi, bj, ko, ti, tj, ki)
    _bind(s[C], bi, bj, ti, tj)
    for T, db in zip(caches, double):
        s[T].compute_at(s[C], ko)
        a0, a1 = s[T].op.axis
        s[T].bind(a0, te.thread_axis("threadIdx.y"))
        s[T].bind(a1, te.thread_axis("threadIdx.x"))
        if db:
            s[T].double_buffer()
    if local_chain:
        for L in locals_:
            s[L].compute_at(s[C], ki)
    return s, [A, B, C]

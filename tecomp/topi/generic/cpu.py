"""Default CPU schedules for the operators of :mod:`tecomp.topi`.

:func:`schedule_cpu` makes one schedule for any graph of topi operators: it
walks the stages from the outputs to the inputs and treats each by its tag
(the way TVM's ``traverse_inline`` does):

- ``elemwise`` / ``broadcast`` / ``injective``: inlined into its consumers, or,
  for an output, computed with the outer axes fused and run in parallel and
  the innermost axis split into a vector of constant width;
- ``comm_reduce``: data-parallel axes outside and parallel; when the input's
  innermost axis is kept, the reduction loops move outside that axis so the
  inner loop reads contiguous memory and is vectorized; when it is reduced,
  each row accumulates a vector of partial results (``rfactor``) folded at its end;
- ``matmul`` / ``dense``: tiled, the reduction split, the inner column loop
  vectorized, the row tiles parallel;
- ``conv2d_nchw``: for constant shapes and a stride of 1 or 2 along the width, a
  register tile of output channels x vectors of output columns (a local cache,
  :func:`conv2d_register_tile`, sized by :meth:`CpuFit.conv2d_tile`) with the
  padded input rows computed per output row, rows parallel; otherwise
  padding computed once, output channels and rows parallel, the reduction
  inside each vector of output columns;
- ``pool_*``: padding computed once, output channels and rows parallel;
- the softmax family: each row's max, exponentials and sum computed inside the
  loop over rows (``compute_at``), reductions in vector partials, elementwise
  rows vectorized, rows in parallel.

Vector widths, the partial sums of a row reduction and the size of register
tiles come from the target (:class:`CpuFit`): the target of the enclosing
``with Target(...)``, else the host.

Stages with tags it does not know (a user's own ``compute``) are left as they are.
Loops are annotated ``parallel`` only when the work is large enough to pay for
starting threads, and ``vectorize`` only for constant extents.
"""

from ...errors import ArgumentValueError
from ...schedule import create_schedule
from ...target import Target
from ...te.tensor import ComputeOp
from ..util import as_list, const_shape, get_const_int
from .conv2d_wgrad import schedule_conv2d_wgrad
from .cpu_fit import CpuFit

INJECTIVE = ("elemwise", "broadcast", "injective")
#: Below this many scalar operations a loop nest runs on one thread.
PARALLEL_MIN_WORK = 1 << 15
#: Side of the square tiles of a transposing copy (one 64-byte line of float32).
TRANSPOSE_TILE = 16


def schedule_cpu(outs, target=None):
    """A schedule for the topi operators that produce ``outs`` (a tensor or a list),
    fitted to ``target`` (default: the current target, else the host)."""
    target = Target.create(target) if target is not None else \
        Target.current(allow_none=True) or Target.current_host()
    fit = CpuFit(target)
    outs = as_list(outs)
    s = create_schedule([t.op for t in outs])
    consumers = {}
    for stage in s.stages:
        for t in stage.op.input_tensors:
            consumers.setdefault(t.op, []).append(stage.op)
    done = set()
    for stage in reversed(s.stages):   # consumers before producers
        op = stage.op
        if op in done or not isinstance(op, ComputeOp):
            continue
        done.add(op)
        handler = _HANDLERS.get(op.tag)
        if handler is not None:
            done.update(handler(s, op, consumers, fit) or ())
    _root_shared_stages(s, consumers)
    return s


def _root_shared_stages(s, consumers):
    """A stage computed at a loop of one consumer (a softmax row, a conv2d output row)
    that another stage also reads, outside that loop (a gradient reading the forward
    values), is computed at the root instead, once, for all of them."""
    for stage in s.stages:
        parent = stage.attach_stage
        if parent is None or stage.attach_type == "inline":
            continue
        for user in consumers.get(stage.op, []):
            scope = s[user]
            while scope is not None and scope is not parent:
                scope = scope.attach_stage
            if scope is None:
                stage.compute_root()
                break


# ------------------------------------------------------------------ helpers


def _size(shape):
    total = 1
    for d in shape:
        total *= d
    return total


def _work(op):
    """Estimated scalar operations of ``op`` (None when a shape is symbolic)."""
    shape = const_shape(op.outputs[0].shape)
    reduce = const_shape([iv.dom.extent for iv in op.reduce_axis])
    if shape is None or reduce is None:
        return None
    return _size(shape) * _size(reduce)


def _parallel(stage, axes, work):
    """Fuse the adjacent leaf ``axes`` and run them in parallel if ``work`` is large
    (or unknown, i.e. symbolic)."""
    axes = [a for a in axes if a is not None]
    if not axes or (work is not None and work < PARALLEL_MIN_WORK):
        return None
    fused = stage.fuse(*axes) if len(axes) > 1 else axes[0]
    stage.parallel(fused)
    return fused


def _split_vector(stage, axis, extent, fit):
    """Split ``axis`` for a vector of constant width; returns (outer or None, inner
    or None). Extents that no width divides are left alone for LLVM."""
    width = fit.vector_width(extent)
    if width is None:
        return axis, None
    if extent == width:
        stage.vectorize(axis)
        return None, axis
    outer, inner = stage.split(axis, factor=width)
    stage.vectorize(inner)
    return outer, inner


# ------------------------------------------------------------------ stage schedules


def _injective(s, op, consumers, fit):
    stage = s[op]
    if op.tag in INJECTIVE and not stage.is_output:
        stage.compute_inline()
        return
    axes = list(op.axis)
    if not axes:
        return
    shape = const_shape(op.outputs[0].shape)
    work = _size(shape) if shape is not None else None
    last = get_const_int(op.axis[-1].dom.extent)
    outer, inner = _split_vector(stage, axes[-1], last, fit)
    if len(axes) == 1 and inner is None:
        if work is None or work >= PARALLEL_MIN_WORK:
            outer, _ = stage.split(axes[0], factor=4096)
            stage.parallel(outer)
        return
    _parallel(stage, axes[:-1] + [outer], work)


def _pad(s, op, consumers, fit):
    """Padding is computed once in full for a convolution or a pooling (so their
    inner loops need no bounds checks) and inlined elsewhere."""
    users = consumers.get(op, [])
    if s[op].is_output or any(getattr(u, "tag", "") in _MATERIALIZE_PAD_FOR for u in users):
        op_stage = s[op]
        axes = list(op.axis)
        shape = const_shape(op.outputs[0].shape)
        work = _size(shape) if shape is not None else None
        _parallel(op_stage, axes[:-1], work)
    else:
        s[op].compute_inline()


def _reduce(s, op, consumers, fit):
    stage = s[op]
    out_axes, raxes = list(op.axis), list(op.reduce_axis)
    work = _work(op)
    if not out_axes:
        _reduce_rows(s, op, work, fit)
        return
    ndim = op.attrs.get("input_ndim")
    reduces_last = ndim is None or (ndim - 1) in op.attrs.get("reduce_axes", ())
    if reduces_last:
        _reduce_rows(s, op, work, fit)
        return
    # The innermost input axis is kept: reduce outside it so the inner loop is contiguous.
    # A block of up to 256 columns per pass over the reduced rows (whole cache lines),
    # vectorized inside.
    extent = get_const_int(out_axes[-1].dom.extent)
    width = fit.vector_width(extent)
    block = next((b for b in (256, 128, 64, 32, 16, 8, 4) if width and extent % b == 0
                  and b >= width), None)
    if block is not None and block < extent and block // width <= fit.accumulators:
        _reduce_columns_in_registers(s, op, block, width, work, fit)
        return
    if block is None or block == extent:
        outer, inner = None, out_axes[-1]
    else:
        outer, inner = stage.split(out_axes[-1], factor=block)
    leading = out_axes[:-1] + ([outer] if outer is not None else [])
    stage.reorder(*leading, *raxes, inner)
    if width is not None:
        _split_vector(stage, inner, block, fit)
    _parallel(stage, leading, work)


def _reduce_columns_in_registers(s, op, block, width, work, fit):
    """A reduction that keeps the innermost input axis: a ``block`` of columns (at most
    ``fit.accumulators`` vectors) accumulates in registers (a local cache) over all the reduced
    rows, then is stored once; the blocks run in parallel.

    Before: ``B[j] = sum(A[k, j], axis=k)``; after: ``for j.outer (parallel): acc[0:block]
    = 0; for k: acc[v*width : +width] += A[k, j.outer*block + ...] (unrolled over v);
    B[j.outer*block : +block] = acc``."""
    cache = s.cache_write(op.output(0), "local")
    stage = s[op]
    *rest, last = stage.op.axis
    outer, inner = stage.split(last, factor=block)
    stage.reorder(*rest, outer, inner)
    _split_vector(stage, inner, block, fit)
    fused = _parallel(stage, rest + [outer], work)
    s[cache].compute_at(stage, fused if fused is not None else outer)
    *_, cinner = s[cache].op.axis
    vo, vi = s[cache].split(cinner, factor=width)
    s[cache].reorder(*s[cache].op.reduce_axis, vo, vi)
    s[cache].unroll(vo)
    s[cache].vectorize(vi)


def _reduce_rows(s, op, work, fit):
    """A reduction over the innermost (contiguous) input axis: rows in parallel, each
    row's reduction in vector partial results (:func:`_vector_partials`)."""
    stage = s[op]
    out_axes = list(op.axis)
    partial = _vector_partials(s, op, fit)   # before fusing: rfactor needs the stage unscheduled
    row = _parallel(stage, out_axes, work)
    if row is None and out_axes:
        row = stage.fuse(*out_axes) if len(out_axes) > 1 else out_axes[0]
    if partial is not None and row is not None:
        s[partial].compute_at(stage, row)


def _vector_partials(s, op, fit):
    """Split the innermost reduce axis of ``op`` (a reduction over the contiguous axis
    of its input) by ``fit.row_lanes`` and factor the inner part out (rfactor) into a
    data-parallel axis: each row accumulates ``fit.row_lanes`` partial results in vector
    registers (several independent vectors, to hide the add's latency) and folds
    them into one at the end. A row length the factor does not divide ends in a
    shorter, guarded step. Returns the partial results' tensor, or None for short
    rows (left as they are).

    Before: ``B[i] = sum(A[i, k], axis=k)``; after:
    ``BF[i, v] = sum(A[i, ko*64 + v], axis=ko)`` (64 lanes with AVX-512) (a vector over ``v``),
    ``B[i] = sum(BF[i, v], axis=v)``."""
    stage = s[op]
    raxes = list(op.reduce_axis)
    extent = get_const_int(raxes[-1].dom.extent)
    vector = fit.widths[0]
    if extent is not None and extent < 2 * vector:
        return None
    # The guarded tail runs lane by lane: keep it under one vector.
    lanes = next((n for n in (fit.row_lanes, fit.row_lanes // 2) if extent is None
                  or extent % n < vector), vector)
    ko, ki = stage.split(raxes[-1], factor=lanes)
    partial = s.rfactor(op.output(0), ki, factor_axis=len(op.axis))
    pstage = s[partial]
    *paxes, lane = pstage.op.axis
    pstage.reorder(*paxes, *pstage.op.reduce_axis, lane)
    pstage.vectorize(lane)
    return partial


def _vector_inner(stage, axis, fit):
    """Vectorize ``axis`` (innermost) by the widest vector, a tail of any length left
    to a guarded step; short or symbolic extents are left alone."""
    extent = get_const_int(axis.dom.extent)
    vector = fit.widths[0]
    if extent is None or extent < vector:
        return
    if extent == vector:
        stage.vectorize(axis)
        return
    _, inner = stage.split(axis, factor=vector)
    stage.vectorize(inner)


def _matmul(s, op, consumers, fit):
    stage = s[op]
    packs = [t.op for t in op.input_tensors if getattr(t.op, "tag", "") == "matmul_pack"
             and _pack(s, t.op)]
    if _register_tiled_matmul(s, op, fit):
        return packs
    i, j = op.axis
    (k,) = op.reduce_axis
    n, m = (get_const_int(a.dom.extent) for a in op.axis)
    kk = get_const_int(k.dom.extent)
    col_tile = 64 if m is None or m >= 64 else (fit.vector_width(m) or m)
    row_tile = 32 if n is None or n >= 32 else n
    io, jo, ii, ji = stage.tile(i, j, row_tile, col_tile)
    if kk is None or kk > 4:
        ko, ki = stage.split(k, factor=4)
        stage.reorder(io, jo, ko, ii, ki, ji)
    else:
        stage.reorder(io, jo, k, ii, ji)
    if m is not None and m % col_tile == 0 and fit.vector_width(col_tile):
        jio, jii = stage.split(ji, factor=fit.vector_width(col_tile))
        stage.vectorize(jii)
    _parallel(stage, [io], _work(op))
    return packs


def _register_tiled_matmul(s, op, fit):
    """The GEMM tutorial's micro-kernel (step 8) for constant shapes: an MR x NR block
    of the product accumulates in vector registers (a local cache) over the whole
    k loop, and the NR-wide panel of the right operand it reads is packed once per
    column block. Returns False where the shape does not suit it."""
    stage = s[op]
    n, m = (get_const_int(a.dom.extent) for a in op.axis)
    kk = get_const_int(op.reduce_axis[0].dom.extent)
    width = fit.vector_width(m) if m is not None else None
    if None in (n, m, kk) or width is None or width < min(8, fit.lanes) or n < 4 or kk < 4 \
            or stage.relations or stage.attach_type != "root":
        return False
    mr, nr = fit.gemm_tile(n, m)
    right = op.input_tensors[1]
    cache = s.cache_write(op.output(0), "local")
    panel = s.cache_read(right, "global", [cache])
    i, j = stage.op.axis
    jo, ji = stage.split(j, factor=nr)
    io, ii = stage.split(i, factor=mr)
    stage.reorder(jo, io, ii, ji)
    stage.vectorize(ji)
    s[cache].compute_at(stage, io)
    s[panel].compute_at(stage, jo)
    s[panel].vectorize(s[panel].op.axis[1])
    ic, jc = s[cache].op.axis
    (kc,) = s[cache].op.reduce_axis
    ko, ki = s[cache].split(kc, factor=4)
    s[cache].reorder(ko, ki, ic, jc)
    s[cache].unroll(ki)
    s[cache].unroll(ic)
    s[cache].vectorize(jc)
    _parallel(stage, [jo], _work(op))
    return True


def _pack(s, op):
    stage = s[op]
    if stage.is_output:
        return False
    shape = const_shape(op.outputs[0].shape)
    rows, cols = op.axis
    if shape is not None and min(shape) >= 2 * TRANSPOSE_TILE:
        # A transpose: in square tiles, so the strided reads of a tile stay in cache lines
        # that its next rows use.
        ro, co, ri, ci = stage.tile(rows, cols, TRANSPOSE_TILE, TRANSPOSE_TILE)
        _parallel(stage, [ro], _size(shape))
        return True
    _parallel(stage, [rows], _size(shape) if shape else None)
    return True


def _conv2d(s, op, consumers, fit):
    scheduled = _register_tiled_conv2d(s, op, consumers or {}, fit)
    if scheduled is not None:
        return scheduled
    stage = s[op]
    n, f, y, x = op.axis
    rc, ry, rx = op.reduce_axis
    width = get_const_int(x.dom.extent)
    xo, xi = _split_vector(stage, x, width, fit)
    if xi is None:   # no vector width divides the output width: reduce outside it
        stage.reorder(n, f, y, rc, ry, rx, x)
    elif xo is None:
        stage.reorder(n, f, y, rc, ry, rx, xi)
    else:
        stage.reorder(n, f, y, xo, rc, ry, rx, xi)
    _parallel(stage, [n, f, y], _work(op))


def _register_tiled_conv2d(s, op, consumers, fit):
    """:func:`conv2d_register_tile` with the tile of :meth:`CpuFit.conv2d_tile`, for
    constant shapes and a stride of 1 or 2 along the width. The padding is computed
    at each output row unless another stage reads it too. Returns the list of the
    other ops it scheduled (the padding), or None where the shape does not suit it."""
    stage = s[op]
    shape = const_shape(op.outputs[0].shape)
    if shape is None or stage.relations or stage.attach_type != "root" \
            or tuple(get_const_int(v) for v in op.attrs.get("strides", (None, None)))[1] not in (1, 2):
        return None
    _, channels, _, width = shape
    tile = fit.conv2d_tile(width, channels)
    if tile is None:
        return None
    data = op.input_tensors[0]
    pad = data.op if getattr(data.op, "tag", "") == "pad" and not s[data.op].is_output \
        and consumers.get(data.op, [op]) == [op] else None   # other readers need it whole
    conv2d_register_tile(s, op.output(0), *tile, pad=pad, fit=fit)
    return [pad] if pad is not None else []


def conv2d_register_tile(s, conv, vector, nvec, ftile, window=("rc", "ry", "rx"), pad=None,
                         fit=None, unroll_kw=False):
    """Schedule the NCHW convolution ``conv`` (a topi ``conv2d_nchw`` output, not yet
    scheduled) in ``s`` as a register tile: ``ftile`` output channels x ``nvec``
    vectors of ``vector`` output columns accumulate in a local cache over the whole
    reduction; each step loads ``nvec`` input vectors (contiguous with stride 1,
    shifted by the kernel column) and multiplies each by ``ftile`` broadcast weights.
    ``window`` orders the reduction loops outside the tile (names of the input
    channels ``rc``, kernel rows ``ry`` and kernel columns ``rx``); ``unroll_kw``
    unrolls the kernel columns' loop. ``pad`` (the
    padding op, or None) is computed at each output row, vectorized for ``fit`` (a
    :class:`CpuFit`) if given; output rows run in parallel. topi's layouts stay: no
    packed weights, no blocked output. topi's default schedule and tutorial 07's
    tuning template both use it. (With a stride 2 the input vectors are strided
    loads, which LLVM assembles lane by lane.) Returns ``s``::

        for n.y (parallel)               # output rows
          T_pad[n, :, y:y+KH, :] = ...   # the padded input rows of this output row
          for f.outer, x.outer
            for rc, ry, rx               # in the order of ``window``
              for f.inner (unrolled FT), x.v (unrolled NV)
                acc[f.inner, x.v, 0:V] += T_pad[rc, y+ry, x+rx : +V] * W[f, rc, ry, rx]
            T_conv2d[n, f, y, x] = acc   # FT rows of NV vectors
    """
    if sorted(window) != ["rc", "rx", "ry"]:
        raise ArgumentValueError(f"conv2d_register_tile({conv.op.name}): window must order "
                                 f"'rc', 'ry' and 'rx' (each once), got {tuple(window)!r}")
    stage = s[conv]
    cache = s.cache_write(conv, "local")
    n, f, y, x = stage.op.axis
    fo, fi = stage.split(f, factor=ftile)
    xo, xi = stage.split(x, factor=vector * nvec)
    stage.reorder(n, y, fo, xo, fi, xi)
    _, xv = stage.split(xi, factor=vector)
    stage.vectorize(xv)
    s[cache].compute_at(stage, xo)
    cn, cf, cy, cx = s[cache].op.axis
    reduce_axes = dict(zip(("rc", "ry", "rx"), s[cache].op.reduce_axis))
    cxo, cxi = s[cache].split(cx, factor=vector)
    s[cache].reorder(cn, cy, *(reduce_axes[name] for name in window), cf, cxo, cxi)
    if unroll_kw:
        s[cache].unroll(reduce_axes["rx"])
    s[cache].unroll(cf)
    s[cache].unroll(cxo)
    s[cache].vectorize(cxi)
    row = stage.fuse(n, y)
    if pad is not None:
        s[pad].compute_at(stage, row)
        if fit is not None:
            _vector_inner(s[pad], s[pad].op.axis[-1], fit)
    _parallel(stage, [row], _work(conv.op))
    return s


def _pool(s, op, consumers, fit):
    stage = s[op]
    n, c, y, x = op.axis
    _parallel(stage, [n, c, y], _work(op))


def _softmax(s, op, consumers, fit):
    """Compute each row's producers inside the loop over rows of the output."""
    stage = s[op]
    axis = op.attrs.get("axis")
    group = _softmax_group(op)
    if axis != len(op.axis) - 1:   # softmax along an inner axis: each stage on its own
        for member in group:
            (_reduce if member.reduce_axis else _injective)(s, member, consumers, fit)
        _injective_root(s, op)
        return group
    rows = list(op.axis[:-1])
    shape = const_shape(op.outputs[0].shape)
    work = _size(shape) * 4 if shape is not None else None
    if rows:
        row = stage.fuse(*rows) if len(rows) > 1 else rows[0]
        _rowwise(s, group, stage, row, fit)
        if work is None or work >= PARALLEL_MIN_WORK:
            stage.parallel(row)
    _vector_inner(stage, op.axis[-1], fit)
    return group


def _rowwise(s, group, stage, row, fit):
    """Compute the ``group`` of per-row stages of a softmax inside the loop over rows
    ``row`` of ``stage``: reductions in vector partials, elementwise rows as vectors."""
    for member in group:
        if member.reduce_axis:
            partial = _vector_partials(s, member, fit)
            if partial is not None:
                s[partial].compute_at(stage, row)
        else:
            _vector_inner(s[member], member.axis[-1], fit)
        s[member].compute_at(stage, row)


def _softmax_group(op):
    group, frontier = [], [op]
    while frontier:
        for t in frontier.pop().input_tensors:
            if getattr(t.op, "tag", "") in ("softmax_reduce", "softmax_exp") and t.op not in group:
                group.append(t.op)
                frontier.append(t.op)
    return group


def _injective_root(s, op):
    stage = s[op]
    axes = list(op.axis)
    shape = const_shape(op.outputs[0].shape)
    _parallel(stage, axes[:-1], _size(shape) if shape is not None else None)


def _cross_entropy(s, op, consumers, fit):
    """Rows in parallel, each row's max and sum of exponentials computed inside its
    iteration; the final mean over rows is a short serial loop."""
    (row_loss,) = [t.op for t in op.input_tensors]
    stage = s[row_loss]
    (row,) = row_loss.axis
    group = _softmax_group(row_loss)
    _rowwise(s, group, stage, row, fit)
    if row_loss.reduce_axis:
        partial = _vector_partials(s, row_loss, fit)
        if partial is not None:
            s[partial].compute_at(stage, row)
    work = _work(row_loss)
    if row_loss.reduce_axis:
        _parallel(stage, [row], work)
    else:
        work = None if work is None else work * get_const_int(group[0].reduce_axis[0].dom.extent)
        _parallel(stage, [row], work)
    return group + [row_loss]


_MATERIALIZE_PAD_FOR = ("conv2d_nchw", "pool_max", "pool_sum", "depthwise_conv2d_nchw",
                        "conv2d_nchw_wgrad")
_HANDLERS = {
    "elemwise": _injective, "broadcast": _injective, "injective": _injective,
    "pad": _pad, "comm_reduce": _reduce, "softmax_reduce": _reduce,
    "softmax_exp": _injective_root, "matmul": _matmul, "dense": _matmul,
    "matmul_pack": lambda s, op, c, fit: (_pack(s, op), None)[1],
    "conv2d_nchw": _conv2d, "conv2d_nchw_wgrad": schedule_conv2d_wgrad, "pool_max": _pool, "pool_sum": _pool, "depthwise_conv2d_nchw": _pool,
    "softmax_output": _softmax, "log_softmax_output": _softmax,
    "softmax_cross_entropy": _cross_entropy,
}

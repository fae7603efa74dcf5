"""Default CPU schedule of a convolution's weight gradient (stages tagged
``conv2d_nchw_wgrad``, as ``te.gradient`` makes them):
``dW[f, c, ry, rx] = sum_{n, y, x} dY[n, f, y, x] * X[n, c, y*s + ry, x*s + rx]``.

The reduction runs along the contiguous width ``x``: ``x`` is split by a vector
width and the inner part factored out (``rfactor``), so each lane accumulates
its own partial sum; a register tile of ``FT`` filters x ``KW`` kernel columns of
such vectors (a local cache) stays in registers over the whole ``n, y, x``
reduction of one ``(c, ry)``, then the lanes are summed::

    for f.outer, c (parallel), ry:
      acc[FT][KW][V] = 0
      for n, y, x.outer:
        for f.inner (unrolled FT), rx (unrolled KW):
          acc[f.inner, rx, 0:V] += dY[n, f, y, x.outer*V : +V] * X[n, c, y + ry, x.outer*V + rx : +V]
      dW.rf[f, c, ry, rx, 0:V] = acc
    dW[f, c, ry, rx] = sum(dW.rf[f, c, ry, rx, 0:V])
"""

from ..util import const_shape, get_const_int


def schedule_conv2d_wgrad(s, op, consumers, fit):
    """Schedule the weight-gradient stage ``op`` in ``s``; returns the ops it scheduled."""
    shape = const_shape(op.outputs[0].shape)
    width = get_const_int(op.reduce_axis[-1].dom.extent)
    lanes = fit.vector_width(width)
    if shape is None or lanes is None or s[op].relations:
        return None
    filters, _, _, kw = shape
    ftile = next((t for t in (4, 3, 2, 1) if filters % t == 0 and t * kw <= fit.accumulators), 1)
    stage = s[op]
    _, _, x = op.reduce_axis
    _, xi = stage.split(x, factor=lanes)
    rf = s.rfactor(op.output(0), xi, factor_axis=4)
    cache = s.cache_write(rf, "local")
    f, c, ry, rx, v = s[rf].op.axis
    fo, fi = s[rf].split(f, factor=ftile)
    s[rf].reorder(fo, c, ry, fi, rx, v)
    s[rf].vectorize(v)
    s[rf].parallel(s[rf].fuse(fo, c))
    s[cache].compute_at(s[rf], ry)
    cf, cc, cry, crx, cv = s[cache].op.axis
    cn, cy, cxo = s[cache].op.reduce_axis
    s[cache].reorder(cc, cry, cn, cy, cxo, cf, crx, cv)
    s[cache].unroll(cf)
    s[cache].unroll(crx)
    s[cache].vectorize(cv)
    of, oc, _, _ = stage.op.axis
    stage.parallel(stage.fuse(of, oc))
    return []

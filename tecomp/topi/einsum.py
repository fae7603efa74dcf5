"""Tensor contractions: ``tensordot`` and ``einsum`` (the common forms: explicit or
implicit output, repeated letters for diagonals, summed letters; no ellipsis).

A contraction is one reduction stage tagged ``"comm_reduce"`` (or ``"injective"``
when nothing is summed), read by the default schedules like ``topi.sum``."""

from ..te import api
from ..errors import ExprError
from ..ir import Range
from ..ir import expr as E
from .util import same_extent


def tensordot(a, b, axes):
    """``numpy.tensordot(a, b, axes)``: ``axes`` is an int (the last ``axes`` axes of
    ``a`` against the first of ``b``) or a pair of axis lists."""
    if isinstance(axes, int):
        a_axes = list(range(len(a.shape) - axes, len(a.shape)))
        b_axes = list(range(axes))
    else:
        a_axes, b_axes = ([axes[0]] if isinstance(axes[0], int) else list(axes[0]),
                          [axes[1]] if isinstance(axes[1], int) else list(axes[1]))
    if len(a_axes) != len(b_axes):
        raise ExprError(f"tensordot: {len(a_axes)} axes of '{a.name}' against {len(b_axes)} "
                        f"of '{b.name}'")
    a_axes = [x % len(a.shape) for x in a_axes]
    b_axes = [x % len(b.shape) for x in b_axes]
    for x, y in zip(a_axes, b_axes):
        if not same_extent(a.shape[x], b.shape[y]):
            raise ExprError(f"tensordot: axis {x} of '{a.name}' ({a.shape[x]}) and axis {y} of "
                            f"'{b.name}' ({b.shape[y]}) differ")
    letters = iter("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    a_sub = [next(letters) for _ in a.shape]
    b_sub = [None] * len(b.shape)
    for x, y in zip(a_axes, b_axes):
        b_sub[y] = a_sub[x]
    b_sub = [s or next(letters) for s in b_sub]
    out = [s for k, s in enumerate(a_sub) if k not in a_axes] + \
          [s for k, s in enumerate(b_sub) if k not in b_axes]
    return einsum(f"{''.join(a_sub)},{''.join(b_sub)}->{''.join(out)}", a, b)


def einsum(subscripts, *operand):
    """``numpy.einsum(subscripts, *operand)`` for subscripts such as ``"ij,jk->ik"``,
    ``"ii->i"``, ``"ij->ji"`` or ``"ij,ij"`` (implicit output: the letters used once,
    sorted). Operands may also be passed as one list or tuple."""
    if len(operand) == 1 and isinstance(operand[0], (list, tuple)):
        operand = tuple(operand[0])
    subscripts = subscripts.replace(" ", "")
    if "." in subscripts:
        raise ExprError(f"einsum: ellipsis ('...') is not supported in {subscripts!r}")
    inputs, arrow, output = subscripts.partition("->")
    inputs = inputs.split(",")
    if len(inputs) != len(operand):
        raise ExprError(f"einsum: {subscripts!r} names {len(inputs)} operands, got "
                        f"{len(operand)}")
    extents = {}
    for sub, t in zip(inputs, operand):
        if len(sub) != len(t.shape) or not sub.isalpha():
            raise ExprError(f"einsum: subscript {sub!r} does not fit '{t.name}' of shape "
                            f"{list(t.shape)}")
        for letter, extent in zip(sub, t.shape):
            if letter in extents and not same_extent(extents[letter], extent):
                raise ExprError(f"einsum: letter {letter!r} has extents {extents[letter]} and "
                                f"{extent}")
            extents.setdefault(letter, extent)
    if not arrow:
        counts = "".join(inputs)
        output = "".join(sorted(c for c in extents if counts.count(c) == 1))
    for letter in output:
        if letter not in extents or output.count(letter) != 1:
            raise ExprError(f"einsum: output letter {letter!r} of {subscripts!r} is unknown or "
                            "repeated")
    summed = [c for c in extents if c not in output]
    raxes = {c: api.reduce_axis(Range(E.const_index(0), extents[c]), name=c) for c in summed}

    def body(*i):
        env = dict(zip(output, i))
        env.update({c: rv.var for c, rv in raxes.items()})
        product = None
        for sub, t in zip(inputs, operand):
            value = t[tuple(env[c] for c in sub)]
            product = value if product is None else product * value
        return api.sum(product, axis=list(raxes.values())) if raxes else product
    shape = tuple(extents[c] for c in output) or (1,)
    if not output:
        return api.compute(shape, lambda _: body(), name="T_einsum",
                           tag="comm_reduce" if raxes else "injective")
    return api.compute(shape, body, name="T_einsum", tag="comm_reduce" if raxes else "injective")

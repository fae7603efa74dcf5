"""Helpers to build small lowered PrimFuncs by hand (tests, examples)."""

from tecomp.ir import Buffer, For, IntImm, Load, PrimFunc, Store, Var, const_index


def idx(value):
    return IntImm("int64", value)


def loop(var, extent, body, kind="serial", start=0):
    return For(var, const_index(start), extent if not isinstance(extent, int) else idx(extent),
               kind, body)


def elementwise(name, dtypes, out_dtype, make, n=None, kind="serial"):
    """``out[i] = make(*[in_k[i]])`` over ``n`` elements (a Var when n is None)."""
    size = Var("n") if n is None else idx(n)
    ins = [Buffer(f"in{k}", d, (size,)) for k, d in enumerate(dtypes)]
    out = Buffer("out", out_dtype, (size,))
    i = Var("i")
    value = make(*[Load(d, b, i) for d, b in zip(dtypes, ins)])
    params = (*ins, out) + ((size,) if n is None else ())
    return PrimFunc(name, params, loop(i, size, Store(out, value, i), kind=kind))

"""Random tensor programs for the differential fuzzer.

A program is drawn as plain data (a *spec*) and printed as the tecomp source a
user would write; the fuzzer runs that source, so a failing case is reproduced by
pasting it. Programs live on a small *domain* of 1-3 axes, each a constant or a
symbolic size (bound to a small value at run time). Inputs and stages cover all
domain axes or a subset (broadcasts); a reduction stage sums / maxes / mins over
one or two axes (optionally from 1, optionally with ``where=``), and its result is
read back as a broadcast tensor. Reads may be offset (stencils, guarded by
``if_then_else`` padding), reversed or clamped.

Narrow and unsigned integers (int8/16, uint8/16/32) wrap around freely: numpy
and tecomp both compute modulo ``2**bits``. Elsewhere values stay well defined:
every expression carries a bound on its magnitude, so int32/int64 arithmetic
never overflows (tecomp's simplifier treats index arithmetic as overflow-free)
and floats stay finite; divisors are positive constants; ``log`` and
``sqrt`` take ``abs(x) + 1``. Reductions include argmax/argmin (a two-value
``comm_reducer`` whose ties go to the smaller index, so any reduction order gives
one answer) and bodies that ignore the reduce axis. Expressions whose float value depends on the
evaluation order or on libm (transcendentals, division, float sums) are marked
inexact and are never compared or cast to an integer, so a difference within
rounding cannot turn into a wrong branch.
"""

import math

from hypothesis import strategies as st

FLOAT_TYPES = ("float32", "float64", "float16")
WRAP_TYPES = ("int8", "int16", "uint8", "uint16", "uint32")
INT_TYPES = ("int32", "int64") + WRAP_TYPES
COMPUTE_TYPES = ("float32", "float32", "float64", "float16", "int32", "int32", "int64") + WRAP_TYPES
INPUT_TYPES = ("float32", "float32", "float64", "int32", "int64", "int8", "uint8", "float16",
               "int16", "uint16", "uint32")
STORAGE_TYPES = ("float16", "int8", "int16", "uint8", "uint16")

# The largest magnitude an expression of each dtype may reach (wrapping types:
# their whole range, which they may leave and wrap back into).
CAP = {"float16": 1000.0, "float32": 1e4, "float64": 1e6, "int8": 127, "int16": 32767,
       "int32": 2 ** 24, "int64": 2 ** 40, "uint8": 255, "uint16": 65535, "uint32": 2 ** 32 - 1}
# Inputs are drawn from [-bound, bound] (unsigned: [0, bound]).
INPUT_BOUND = {"float16": 2.0, "float32": 2.0, "float64": 2.0, "int8": 8, "int16": 8,
               "int32": 8, "int64": 8, "uint8": 15, "uint16": 300, "uint32": 70000}

FLOAT_UNARY = ("neg", "abs", "tanh", "sigmoid", "sin", "cos", "erf", "exp_t", "log1",
               "sqrt_a", "rsqrt1", "floor", "ceil", "round", "extern_exp")
EXACT_UNARY = ("neg", "abs", "floor", "ceil", "round")
FLOAT_BINARY = ("add", "sub", "mul", "div", "max", "min", "pow")
INT_BINARY = ("add", "sub", "mul", "fdiv", "fmod", "tdiv", "tmod", "max", "min")
CMP = ("lt", "le", "gt", "ge", "eq", "ne")


def is_float(dtype):
    return dtype.startswith("float")


def wraps(dtype):
    """Integers whose arithmetic wraps around in the program (and in numpy)."""
    return dtype in WRAP_TYPES


# ------------------------------------------------------------------ drawing


@st.composite
def programs(draw, max_stages=4):
    """A program spec (a dict of plain values)."""
    rank = draw(st.integers(1, 3))
    dims = []
    for _ in range(rank):
        if draw(st.integers(0, 1)) == 0:
            name = draw(st.sampled_from(["n", "m"]))
            known = [d for d in dims if d[1] == name]
            value = known[0][0] if known else draw(st.integers(1, 9))
            dims.append([value, name])
        else:
            dims.append([draw(st.integers(1, 12 if rank < 3 else 6)), None])
    all_axes = list(range(rank))
    tensors = []   # [name, axes, dtype, bound, exact]
    inputs = []
    for k in range(draw(st.integers(1, 3))):
        axes = all_axes if draw(st.integers(0, 2)) else sorted(draw(
            st.sets(st.sampled_from(all_axes), min_size=1, max_size=rank)))
        dtype = draw(st.sampled_from(INPUT_TYPES))
        name = "ABC"[k]
        inputs.append([name, axes, dtype])
        tensors.append([name, axes, dtype, INPUT_BOUND[dtype], True])
    stages = []
    count = draw(st.integers(1, max_stages))
    for k in range(count):
        stages.append(_draw_stage(draw, f"T{k}", dims, tensors, last=k == count - 1))
        tensors.append([stages[-1]["name"], stages[-1]["axes"], stages[-1]["dtype"],
                        stages[-1]["bound"], stages[-1]["exact"]])
    outputs = [stages[-1]["name"]]
    if stages[-1]["reduce"] and stages[-1]["reduce"]["op"] in ARG_REDUCERS:
        outputs.insert(0, stages[-1]["name"] + "_idx")
    if len(stages) > 1 and draw(st.integers(0, 3)) == 0:
        outputs.append(draw(st.sampled_from([s["name"] for s in stages[:-1]])))
    return {"dims": dims, "inputs": inputs, "stages": stages, "outputs": outputs,
            "seed": draw(st.integers(0, 2 ** 16))}


ARG_REDUCERS = ("argmax", "argmin")


def _draw_stage(draw, name, dims, tensors, last=False):
    rank = len(dims)
    all_axes = list(range(rank))
    reduce = None
    if rank >= 2 and draw(st.integers(0, 2)) == 0:
        count = draw(st.integers(1, min(2, rank - 1)))
        raxes = sorted(draw(st.sets(st.sampled_from(all_axes), min_size=count, max_size=count)))
        axes = [d for d in all_axes if d not in raxes]
        ops = ["sum", "sum", "max", "min"] + (list(ARG_REDUCERS) if last and count == 1 else [])
        reduce = {"axes": raxes, "op": draw(st.sampled_from(ops)),
                  "begin": draw(st.sampled_from([0, 0, 0, 1])),
                  "where": draw(st.integers(0, 4)) == 0}
        # A body that ignores the reduce axes: the reduction repeats one value.
        scope = set(axes) if draw(st.integers(0, 5)) == 0 else set(all_axes)
    else:
        axes = all_axes if draw(st.integers(0, 3)) else sorted(draw(
            st.sets(st.sampled_from(all_axes), min_size=1, max_size=rank)))
        scope = set(axes)
    dtype = draw(st.sampled_from(COMPUTE_TYPES))
    ctx = _Context(dims, [t for t in tensors if set(t[1]) <= scope], scope,
                   reduce["axes"] if reduce else [])
    expr, bound, exact = ctx.gen(draw, dtype, draw(st.integers(1, 3)))
    if reduce is not None and reduce["op"] in ARG_REDUCERS and not exact:
        reduce["op"] = "max"          # a rounding difference would move the arg
    if reduce is not None and reduce["op"] in ARG_REDUCERS:
        extent = max(dims[reduce["axes"][0]][0] - reduce["begin"], 0)
        return _stage(name, axes, reduce, dtype, dtype, expr, max(bound, extent), exact)
    if reduce is not None:
        extent = math.prod(max(dims[d][0] - reduce["begin"], 0) for d in reduce["axes"])
        first = range(reduce["begin"], dims[reduce["axes"][0]][0])
        if extent == 0 or (reduce["where"] and not any(k % 2 == 0 for k in first)):
            # An empty reduction yields the identity (+-inf, the integer extremes):
            # nothing may compute with it or cast it.
            return _stage(name, axes, reduce, dtype, dtype, expr, math.inf, False)
        if reduce["op"] == "sum":
            if wraps(dtype):
                bound = CAP[dtype]
            elif not is_float(dtype) and bound * extent > CAP[dtype]:
                reduce["op"] = "max"
            else:
                bound, exact = bound * max(extent, 1), exact and not is_float(dtype)
    storage = dtype
    if draw(st.integers(0, 5)) == 0:
        want = draw(st.sampled_from(STORAGE_TYPES))
        if bound <= CAP[want] and (is_float(want) or not is_float(dtype)
                                   or (exact and not want.startswith("uint"))):
            storage = want
    return _stage(name, axes, reduce, dtype, storage, expr, bound,
                  exact and (storage == dtype or not is_float(storage)))


def _stage(name, axes, reduce, dtype, storage, expr, bound, exact):
    return {"name": name, "axes": axes, "reduce": reduce, "compute_dtype": dtype,
            "dtype": storage, "expr": expr, "bound": bound, "exact": exact}


class _Context:
    """What an expression of one stage may use."""

    def __init__(self, dims, readable, scope, raxes):
        self.dims = dims
        self.readable = readable
        self.scope = sorted(scope)
        self.raxes = raxes

    def gen(self, draw, dtype, depth):
        """``(node, bound, exact)`` of an expression of ``dtype``."""
        if depth <= 0 or draw(st.integers(0, 3)) == 0:
            return self.leaf(draw, dtype)
        kind = draw(st.sampled_from(["un", "bin", "bin", "bin", "select", "cast", "chain"]))
        if kind == "chain" and draw(st.integers(0, 1)):
            # A deep chain of shared subexpressions (a DAG whose tree has ~3**levels
            # nodes): |x| halved per level, exactly; built and run in bounded time.
            x, bound, exact = self.gen(draw, dtype, depth - 1)
            levels = draw(st.integers(4, 6)) if dtype == "float16" else draw(st.integers(8, 14))
            return ("chain", dtype, x, levels), bound, exact
        if kind in ("un", "chain"):
            return self.unary(draw, dtype, depth)
        if kind == "bin":
            return self.binary(draw, dtype, depth)
        if kind == "select":
            cond = self.condition(draw, depth - 1)
            t, bt, et = self.gen(draw, dtype, depth - 1)
            f, bf, ef = self.gen(draw, dtype, depth - 1)
            which = draw(st.sampled_from(["select", "ite"]))
            return (which, dtype, cond, t, f), max(bt, bf), et and ef
        other = draw(st.sampled_from(COMPUTE_TYPES))
        node, bound, exact = self.gen(draw, other, depth - 1)
        return self.cast(node, other, bound, exact, dtype) or self.leaf(draw, dtype)

    def cast(self, node, src, bound, exact, dtype):
        """A cast node, or None if the value might not survive it."""
        if src == dtype:
            return node, bound, exact
        if is_float(src) and not is_float(dtype) and (not exact or dtype.startswith("uint")):
            return None       # float -> unsigned of a negative value is undefined
        if wraps(dtype) and not is_float(src):
            # wraps, as numpy; a negative value cast to an unsigned type becomes large
            signed_to_unsigned = dtype.startswith("uint") and not src.startswith("uint")
            return ("cast", dtype, node), \
                CAP[dtype] if signed_to_unsigned else min(bound, CAP[dtype]), exact
        if bound > CAP[dtype]:
            return None
        return ("cast", dtype, node), bound, exact

    def leaf(self, draw, dtype):
        choice = draw(st.integers(0, 9))
        if choice < 7 and self.readable:
            name, axes, tdtype, bound, exact = draw(st.sampled_from(self.readable))
            index = []
            for d in axes:
                d_kind = draw(st.integers(0, 9))
                if d_kind < 6:
                    index.append(["ax", d, 0])
                elif d_kind < 8:
                    index.append(["ax", d, draw(st.integers(-2, 2))])
                elif d_kind < 9:
                    index.append(["rev", d])
                else:
                    index.append(["clamp", d, draw(st.integers(-2, 2))])
            pad = 0
            if any(i[0] == "ax" and i[2] for i in index):
                pad = draw(st.sampled_from([0, 1] if tdtype.startswith("uint") else [0, 1, -1]))
            node = ("read", tdtype, name, index, pad)
            cast = self.cast(node, tdtype, max(bound, abs(pad)), exact, dtype)
            if cast is not None:
                return cast
        if choice == 9 or not self.scope:
            value = draw(st.integers(-4, 4))
            if dtype.startswith("uint"):
                value = abs(value)
            if is_float(dtype) and draw(st.booleans()):
                return ("const", dtype, value + 0.5), abs(value) + 0.5, True
            return ("const", dtype, value), abs(value), True
        d = draw(st.sampled_from(self.scope))
        return ("axis", dtype, d), min(self.dims[d][0] + 1, CAP[dtype]), True

    def unary(self, draw, dtype, depth):
        x, bound, exact = self.gen(draw, dtype, depth - 1)
        if bound > CAP[dtype] and not wraps(dtype):
            return x, bound, exact
        if not is_float(dtype):
            op = draw(st.sampled_from(["neg", "abs"]))
            if op == "neg" and dtype.startswith("uint"):
                bound = CAP[dtype]        # -1 wraps to the largest value
            return ("un", dtype, op, x), bound, exact
        op = draw(st.sampled_from(FLOAT_UNARY))
        if op == "extern_exp" and dtype == "float16":
            op = "exp_t"            # libm has no half exp to call
        bounds = {"tanh": 1, "sigmoid": 1, "sin": 1, "cos": 1, "erf": 1, "exp_t": 3,
                  "extern_exp": 3,
                  "log1": math.log(bound + 1) + 1, "sqrt_a": math.sqrt(bound) + 1,
                  "rsqrt1": 1}
        return ("un", dtype, op, x), bounds.get(op, bound + 1), exact and op in EXACT_UNARY

    def binary(self, draw, dtype, depth):
        a, ba, ea = self.gen(draw, dtype, depth - 1)
        if ba > CAP[dtype] and not wraps(dtype):
            return a, ba, ea
        ops = FLOAT_BINARY if is_float(dtype) else INT_BINARY
        op = draw(st.sampled_from(ops))
        if op in ("fdiv", "fmod", "tdiv", "tmod"):
            c = draw(st.integers(1, 5))
            return ("bin", dtype, op, a, ("const", dtype, c)), ba, ea
        b, bb, eb = self.gen(draw, dtype, depth - 1)
        if op == "mul" and ba * bb > CAP[dtype] and not wraps(dtype):
            op = "add"
        bound = {"mul": ba * bb, "div": ba, "max": max(ba, bb), "min": max(ba, bb),
                 "pow": math.sqrt(ba + 1) + 1}.get(op, ba + bb)
        if wraps(dtype):
            # an unsigned difference below 0 wraps to a large value
            bound = CAP[dtype] if op == "sub" and dtype.startswith("uint") else \
                min(bound, CAP[dtype])
        if bound > CAP[dtype]:
            return a, ba, ea
        # A float product may be fused into the add that uses it (codegen allows FMA
        # contraction), so its rounding is not numpy's.
        exact = ea and eb and op not in ("div", "pow") and not (op == "mul" and is_float(dtype))
        return ("bin", dtype, op, a, b), bound, exact

    def condition(self, draw, depth):
        if draw(st.integers(0, 2)) == 0 or not self.scope:
            if not self.scope:
                return ("true",)
            d = draw(st.sampled_from(self.scope))
            kind = draw(st.sampled_from(["mod2", "lt"]))
            return ("axcmp", d, kind, draw(st.integers(0, 4)))
        dtype = draw(st.sampled_from(COMPUTE_TYPES))
        a, _, ea = self.gen(draw, dtype, depth)
        b, _, eb = self.gen(draw, dtype, depth)
        if dtype in ("int32", "int64") and draw(st.integers(0, 2)) == 0:
            # a narrow value widened, then compared (wraps before the widening)
            narrow = draw(st.sampled_from(WRAP_TYPES))
            x, bx, ex = self.gen(draw, narrow, depth)
            a, ea = ("cast", dtype, x), ex
        if not (ea and eb):
            d = draw(st.sampled_from(self.scope))
            return ("axcmp", d, "lt", draw(st.integers(0, 4)))
        return ("cmp", draw(st.sampled_from(CMP)), a, b)


# ------------------------------------------------------------------ printing


def _var(stage, d):
    if stage.get("reduce") and d in stage["reduce"]["axes"]:
        return f"k{d}"
    return f"i{d}"


def _extent(spec, d):
    value, name = spec["dims"][d]
    return name if name else str(value)


def _shape(spec, axes):
    parts = [_extent(spec, d) for d in axes]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


_UN = {"neg": "-({x})", "abs": "te.abs({x})", "tanh": "te.tanh({x})",
       "sigmoid": "te.sigmoid({x})", "sin": "te.sin({x})", "cos": "te.cos({x})",
       "erf": "te.erf({x})", "exp_t": "te.exp(te.tanh({x}))",
       "log1": "te.log(te.abs({x}) + 1)", "sqrt_a": "te.sqrt(te.abs({x}))",
       "rsqrt1": "te.rsqrt(te.abs({x}) + 1)", "floor": "te.floor({x})",
       "ceil": "te.ceil({x})", "round": "te.round({x})",
       # a C function called through tvm.tir.call_pure_extern (libm's expf / exp)
       "extern_exp": 'te.tir.call_pure_extern("{dtype}", "{libm_exp}", te.tanh({x}))'}
_BIN = {"add": "({a} + {b})", "sub": "({a} - {b})", "mul": "({a} * {b})",
        "div": "({a} / (te.abs({b}) + 1))", "max": "te.max({a}, {b})",
        "min": "te.min({a}, {b})", "pow": "te.power(te.abs({a}) + 1, 0.5)",
        "fdiv": "({a} // {b})", "fmod": "({a} % {b})", "tdiv": "te.truncdiv({a}, {b})",
        "tmod": "te.truncmod({a}, {b})"}
_CMP = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}


def expr_source(spec, stage, node):
    """Python source of an expression node inside ``stage``'s lambda."""
    kind = node[0]
    if kind == "const":
        return f'te.const({node[2]!r}, "{node[1]}")'
    if kind == "axis":
        return f'{_var(stage, node[2])}.astype("{node[1]}")'
    if kind == "cast":
        return f'({expr_source(spec, stage, node[2])}).astype("{node[1]}")'
    if kind == "un":
        return _UN[node[2]].format(x=expr_source(spec, stage, node[3]), dtype=node[1],
                                   libm_exp="expf" if node[1] == "float32" else "exp")
    if kind == "chain":
        return f'_chain({expr_source(spec, stage, node[2])}, {node[3]}, "{node[1]}")'
    if kind == "bin":
        a = expr_source(spec, stage, node[3])
        b = expr_source(spec, stage, node[4])
        return _BIN[node[2]].format(a=a, b=b)
    if kind in ("select", "ite"):
        fn = "te.select" if kind == "select" else "te.if_then_else"
        return (f"{fn}({cond_source(spec, stage, node[2])}, "
                f"{expr_source(spec, stage, node[3])}, {expr_source(spec, stage, node[4])})")
    if kind == "read":
        _, dtype, name, index, pad = node
        parts, guards = [], []
        for item in index:
            d = item[1]
            v, ext = _var(stage, d), _extent(spec, d)
            if item[0] == "ax":
                off = item[2]
                text = v if off == 0 else f"{v} + {off}" if off > 0 else f"{v} - {-off}"
                if off:
                    guards.append(f"{text} >= 0" if off < 0 else f"{text} < {ext}")
                parts.append(text)
            elif item[0] == "rev":
                parts.append(f"{ext} - 1 - {v}")
            else:
                off = item[2]
                parts.append(f"te.min(te.max({v} + {off}, 0), {ext} - 1)")
        read = f"{name}[{', '.join(parts)}]"
        if guards:
            cond = guards[0] if len(guards) == 1 else f"te.all({', '.join(guards)})"
            return f'te.if_then_else({cond}, {read}, te.const({pad}, "{dtype}"))'
        return read
    raise ValueError(f"unknown node {node!r}")


def cond_source(spec, stage, node):
    if node[0] == "true":
        return "te.const(True)"
    if node[0] == "axcmp":
        _, d, kind, k = node
        v = _var(stage, d)
        return f"{v} % 2 == 0" if kind == "mod2" else f"{v} < {k}"
    _, op, a, b = node
    return f"{expr_source(spec, stage, a)} {_CMP[op]} {expr_source(spec, stage, b)}"


# Two-value reducers: (index, value); the larger (smaller) value wins, a tie
# goes to the smaller index, so the result does not depend on the order.
_ARG_REDUCER_SOURCE = {
    "argmax": """\
def _argmax_combine(x0, x1, y0, y1):
    take = te.any(x1 > y1, te.all(x1 == y1, x0 < y0))
    return te.select(take, x0, y0), te.select(take, x1, y1)
argmax = te.comm_reducer(_argmax_combine, lambda t0, t1: (te.const(-1, t0), te.min_value(t1)), name="argmax")
""",
    "argmin": """\
def _argmin_combine(x0, x1, y0, y1):
    take = te.any(x1 < y1, te.all(x1 == y1, x0 < y0))
    return te.select(take, x0, y0), te.select(take, x1, y1)
argmin = te.comm_reducer(_argmin_combine, lambda t0, t1: (te.const(-1, t0), te.max_value(t1)), name="argmin")
""",
}


_CHAIN_SOURCE = """\
def _chain(x, levels, dtype):
    two = te.const(2, dtype)
    for _ in range(levels):
        half = x / two if dtype.startswith("float") else x // two
        x = te.max(x, half) - te.min(x, half)
    return x
"""


def program_source(spec):
    """The tecomp source of the program: vars, placeholders and computes."""
    lines = []
    if "'chain'" in repr(spec["stages"]):
        lines.append(_CHAIN_SOURCE.rstrip("\n"))
    for name in sorted({d[1] for d in spec["dims"] if d[1]}):
        lines.append(f'{name} = te.var("{name}")')
    for name, axes, dtype in spec["inputs"]:
        lines.append(f'{name} = te.placeholder({_shape(spec, axes)}, dtype="{dtype}", '
                     f'name="{name}")')
    for stage in spec["stages"]:
        name, axes = stage["name"], stage["axes"]
        params = ", ".join(f"i{d}" for d in axes)
        body = expr_source(spec, stage, stage["expr"])
        if stage["dtype"] != stage["compute_dtype"] and stage["reduce"] is None:
            body = f'({body}).astype("{stage["dtype"]}")'
        reduce = stage["reduce"]
        if reduce is not None:
            raxes = []
            for d in reduce["axes"]:
                lines.append(f'k{d} = te.reduce_axis(({reduce["begin"]}, {_extent(spec, d)}), '
                             f'name="k{d}")')
                raxes.append(f"k{d}")
            where = ""
            if reduce["where"]:
                where = f", where=k{reduce['axes'][0]} % 2 == 0"
            axis = raxes[0] if len(raxes) == 1 else "[" + ", ".join(raxes) + "]"
            if reduce["op"] in ARG_REDUCERS:
                lines.append(_ARG_REDUCER_SOURCE[reduce["op"]].rstrip("\n"))
                lines.append(f'{name}_idx, {name} = te.compute({_shape(spec, axes)}, '
                             f'lambda {params}: {reduce["op"]}(({raxes[0]}.astype("int32"), '
                             f'{body}), axis={axis}{where}), name="{name}")')
                continue
            body = f"te.{reduce['op']}({body}, axis={axis}{where})"
            if stage["dtype"] != stage["compute_dtype"]:
                # A reduction is the whole body: narrow in a stage of its own.
                lines.append(f'{name}_wide = te.compute({_shape(spec, axes)}, lambda {params}: '
                             f'{body}, name="{name}_wide")')
                body = f'{name}_wide[{params}].astype("{stage["dtype"]}")'
        lines.append(f'{name} = te.compute({_shape(spec, axes)}, lambda {params}: {body}, '
                     f'name="{name}")')
    return "\n".join(lines) + "\n"

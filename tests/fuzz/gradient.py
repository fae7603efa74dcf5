"""Gradient mode of the fuzzer: ``te.gradient`` of random programs against central
differences in float64.

A random program of :mod:`tests.fuzz.programs` is made float64 (its float dtypes
rewritten in the source), its last stage is the output, and its float inputs the
variables. With a random ``head``, ``te.gradient`` gives ``d sum(head * out) /
d X``; the oracle differentiates the same sum numerically, evaluating the program
with the numpy interpreter (:mod:`tests.fuzz.numpy_eval`), so tecomp's forward
code is not involved. Kinks (``abs`` at 0, branch flips, rounding steps) are
where central differences and derivatives legitimately disagree; with random
float inputs and a step of 1e-6 they are hit with probability ~1e-6 per element.

    python -m tests.fuzz --gradient --cases 500 --seed 1
"""

import re
import textwrap
import warnings

import numpy as np

import tecomp as te
from tecomp.te.tensor import PlaceholderOp, post_order

from .harness import FuzzFailure, _random_input, _shape
from .numpy_eval import evaluate_tensors

DELTA = 1e-6
RTOL, ATOL = 1e-4, 1e-6


def as_float64(program):
    """The program's source with every float dtype made float64 (and the C functions
    it calls by name their double versions: ``expf`` -> ``exp``)."""
    program = re.sub(r'"float(16|32)"', '"float64"', program)
    return re.sub(r'(call_pure_extern\("float64", ")(\w+)f"', r'\1\2"', program)


def gradient_case(case):
    """``case`` (as :func:`tests.fuzz.harness.draw_case` makes) for the gradient mode, or
    None when its output is not float or reads no float input."""
    program = as_float64(case["program"])
    ns = {"te": te}
    exec(textwrap.dedent(program), ns)
    stages = sorted((name for name in ns if re.fullmatch(r"T\d+", name)),
                    key=lambda name: -int(name[1:]))
    for name in stages:   # the last float stage that reads a float input
        out = ns[name]
        if out.dtype == "float64" and out.op.num_outputs == 1 and any(
                isinstance(op, PlaceholderOp) and op.output(0).dtype == "float64"
                for op in post_order([out.op])):
            return dict(case, program=program, outputs=[name], schedule="")
    return None


def check_gradient_case(case):
    """Compare ``te.gradient`` of ``case`` with central differences; raise FuzzFailure."""
    ns = {"te": te}
    exec(textwrap.dedent(case["program"]), ns)
    out = ns[case["outputs"][0]]
    variables = sorted({v for v in ns.values() if isinstance(v, te.Var)}, key=lambda v: v.name)
    sizes = {v: case["sizes"][v.name] for v in variables}
    all_inputs = sorted([op.output(0) for op in post_order([out.op])
                         if isinstance(op, PlaceholderOp)], key=lambda t: t.name)
    wrt = [t for t in all_inputs if t.dtype == "float64"]
    rng = np.random.default_rng(case["seed"])
    arrays = {t: _random_input(rng, t, _shape(t, sizes)) for t in all_inputs}
    head_value = rng.uniform(-1, 1, _shape(out, sizes))
    head = te.placeholder(out.shape, dtype="float64", name="head")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", te.GradientWarning)
            grads = te.gradient(out, wrt, head=head)
        s = te.create_schedule([g.op for g in grads])
        f = te.build(s, list(grads) + all_inputs + [head] + variables, debug=True,
                     name="fuzz_grad")
    except te.TecompError as exc:
        raise FuzzFailure("refused", f"te.gradient raised {type(exc).__name__}: {exc}",
                          case) from exc
    except Exception as exc:  # noqa: BLE001
        raise FuzzFailure("crash", f"te.gradient raised {type(exc).__name__}: {exc}",
                          case) from exc
    results = [np.full(_shape(t, sizes), np.nan) for t in wrt]
    try:
        f(*results, *[arrays[t].copy() for t in all_inputs], head_value,
          *[sizes[v] for v in variables])
    except te.TecompError as exc:
        kind = "bounds" if "out-of-bounds" in str(exc) else "crash"
        raise FuzzFailure(kind, f"gradient call raised {type(exc).__name__}: {exc}",
                          case) from exc

    def loss(values):
        with np.errstate(all="ignore"):
            y = evaluate_tensors([out], values, sizes)[out]
        return float(np.sum(head_value * y))

    for t, got in zip(wrt, results):
        numeric = np.zeros(got.shape)
        flat = arrays[t].reshape(-1)
        for n in range(flat.size):
            original = flat[n]
            flat[n] = original + DELTA
            up = loss(arrays)
            flat[n] = original - DELTA
            down = loss(arrays)
            flat[n] = original
            numeric.reshape(-1)[n] = (up - down) / (2 * DELTA)
        scale = max(1.0, float(np.max(np.abs(numeric), initial=0)))
        if not np.all(np.isfinite(numeric)):
            continue     # the program overflows near this point: nothing to compare
        bad = ~np.isclose(got, numeric, rtol=RTOL, atol=ATOL * scale * 1e2)
        if bad.any():
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            raise FuzzFailure("mismatch", f"gradient of '{t.name}' differs at {first}: "
                              f"te.gradient {got[first]!r}, central differences "
                              f"{numeric[first]!r} ({int(bad.sum())} of {bad.size} differ)", case)
    return [t.name for t in wrt]

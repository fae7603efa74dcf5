"""Run one fuzz case: build the scheduled program (bounds-checked or not), call
it on random inputs, and compare every output with the numpy interpreter.

A case is plain source text, so it reproduces anywhere::

    check_case({"program": "...", "schedule": "...", "sizes": {"n": 5},
                "outputs": ["T1"], "seed": 3})

Optional keys: ``"debug"`` (default True: every access bounds-checked) and
``"target"`` (default ``"llvm"``; ``"opencl"`` runs on the OpenCL device, with
a schedule from :func:`tests.fuzz.schedules.draw_gpu_schedule`). A new backend
joins by a target string and, if it needs one, a schedule drawer in
:data:`SCHEDULE_DRAWERS`. ``"stream": True`` builds with streaming stores for
outputs of any size (``TECOMP_STREAM_MIN_BYTES=0``,
codegen/llvm/streaming_stores.py), and ``"offset": k`` places each output's data
``k`` elements (modulo a 64-byte cache line) past a line, so the streaming
stores' alignment checks take every arm.

``regression_test_source(case, reason)`` prints a ready-to-paste pytest function
for ``tests/fuzz/test_regressions.py``.
"""

import contextlib
import hashlib
import os
import textwrap

import numpy as np

import tecomp as te
from codegen.llvm import cache
from tecomp.runtime.signature import Signature
from tecomp.schedule import loop_nest_text
from tecomp.te.tensor import PlaceholderOp, post_order

from .numpy_eval import ProgramError, evaluate_tensors
from .programs import INPUT_BOUND

RTOL = {"float16": 1e-2, "float32": 1e-3, "float64": 1e-7}
#: Kernel source of a fuzz program stays small: its deepest expression is a
#: shared chain of a few hundred characters per level (a 10-level chain printed
#: as a tree was 57 MB of OpenCL C, which PoCL compiled for minutes).
SOURCE_LIMIT = 100_000


class FuzzFailure(AssertionError):
    """A case failed; ``kind`` is "crash", "bounds", "mismatch" or "refused"."""

    def __init__(self, kind, message, case):
        super().__init__(f"[{kind}] {message}\n\nreproduce with:\n\n"
                         f"{regression_test_source(case, kind + ': ' + message.splitlines()[0])}")
        self.kind = kind
        self.case = case
        self.detail = message


def _inputs_of(outputs):
    found = [op.output(0) for op in post_order([t.op for t in outputs])
             if isinstance(op, PlaceholderOp)]
    return sorted(found, key=lambda t: t.name)


def _random_input(rng, t, shape):
    dtype = np.dtype(t.dtype)
    bound = INPUT_BOUND.get(t.dtype, 2)
    if dtype.kind == "f":
        return rng.uniform(-bound, bound, size=shape).astype(dtype)
    if dtype.kind == "u":
        return rng.integers(0, bound + 1, size=shape).astype(dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, size=shape).astype(dtype)
    return rng.integers(-bound, bound + 1, size=shape).astype(dtype)


def _shape(t, sizes):
    from tecomp.runtime.evaluate import evaluate
    return tuple(int(evaluate(e, sizes)) for e in t.shape)


def check_case(case):
    """Run ``case``; raise :class:`FuzzFailure` on any difference or crash.
    Returns the module's name list of outputs checked."""
    ns = {"te": te}
    exec(textwrap.dedent(case["program"]), ns)   # the program itself must be valid: errors propagate
    outputs = [ns[o] for o in case["outputs"]]
    variables = sorted({v for v in ns.values() if isinstance(v, te.Var)}, key=lambda v: v.name)
    sizes = {v: case["sizes"][v.name] for v in variables}
    inputs = _inputs_of(outputs)
    rng = np.random.default_rng(case["seed"])
    arrays = {t: _random_input(rng, t, _shape(t, sizes)) for t in inputs}
    try:
        expected = evaluate_tensors(outputs, arrays, sizes)
    except ProgramError as exc:
        raise AssertionError(f"the fuzzer generated an invalid program ({exc}):\n"
                             f"{case['program']}") from None
    try:
        exec(textwrap.dedent(case["schedule"]), ns)
    except Exception as exc:  # noqa: BLE001
        raise FuzzFailure("crash", f"schedule raised {type(exc).__name__}: {exc}", case) from exc
    args = inputs + outputs + variables
    try:
        with _streaming(case.get("stream", False)):
            f = te.build(ns["s"], args, debug=case.get("debug", True), name="fuzz",
                         target=case.get("target", "llvm"))
    except te.TecompError as exc:
        raise FuzzFailure("refused", f"build raised {type(exc).__name__}: {exc}", case) from exc
    except Exception as exc:  # noqa: BLE001
        raise FuzzFailure("crash", f"build raised {type(exc).__name__}: {exc}", case) from exc
    if case.get("target", "llvm") != "llvm" and len(f.get_source()) > SOURCE_LIMIT:
        raise FuzzFailure("crash", f"the {case['target']} source has {len(f.get_source())} "
                          "characters: an expression printed as a tree, not a DAG?", case)
    try:                  # a schedule that builds also prints its loop nest (s.show())
        loop_nest_text(ns["s"])
    except Exception as exc:  # noqa: BLE001
        raise FuzzFailure("crash", f"print_loop_nest raised {type(exc).__name__}: {exc}",
                          case) from exc
    results = []
    for t in outputs:
        dtype = np.dtype(t.dtype)
        fill = np.nan if dtype.kind == "f" else np.iinfo(dtype).max
        results.append(_placed(_shape(t, sizes), dtype, case.get("offset", 0)))
        results[-1][...] = fill
    call = [arrays[t].copy() for t in inputs] + results + [sizes[v] for v in variables]
    try:
        f(*call)
    except te.TecompError as exc:
        kind = "bounds" if any(k in str(exc) for k in ("out-of-bounds", "outside its shape")) \
            else "crash"
        raise FuzzFailure(kind, f"call raised {type(exc).__name__}: {exc}", case) from exc
    for t, got in zip(outputs, results):
        want = expected[t]
        _compare(t, got, want, case)
    if case.get("target", "llvm") == "llvm" and cache.cache_dir() is not None:
        _check_cached(case, {t.name: a for t, a in arrays.items()},
                      {t.name: e for t, e in expected.items()})
    return case["outputs"]


def _check_cached(case, arrays, expected):
    """Declare and schedule the program again (new objects, the same graph): the
    build must come from the compile cache by the key taken before lowering
    (codegen/llvm/cache.py), unless the graph has no such key, and compute the
    same outputs."""
    ns = {"te": te}
    exec(textwrap.dedent(case["program"]), ns)
    exec(textwrap.dedent(case["schedule"]), ns)
    outputs = [ns[o] for o in case["outputs"]]
    variables = sorted({v for v in ns.values() if isinstance(v, te.Var)}, key=lambda v: v.name)
    sizes = {v: case["sizes"][v.name] for v in variables}
    inputs = _inputs_of(outputs)
    args = inputs + outputs + variables
    debug = case.get("debug", True)
    try:
        with _streaming(case.get("stream", False)):
            keyed = cache.source_key(("fuzz", ns["s"], args), te.Target("llvm"), debug)
            f = te.build(ns["s"], args, debug=debug, name="fuzz")
    except Exception as exc:  # noqa: BLE001
        raise FuzzFailure("crash", f"the cached build raised {type(exc).__name__}: {exc}",
                          case) from exc
    if keyed is not None and not isinstance(f.funcs[0], Signature):
        raise FuzzFailure("crash", "the second build of the same schedule did not come from "
                          "the compile cache (is the key taken before lowering stable?)", case)
    results = [np.empty(_shape(t, sizes), t.dtype) for t in outputs]
    call = [arrays[t.name].copy() for t in inputs] + results + [sizes[v] for v in variables]
    f(*call)
    for t, got in zip(outputs, results):
        _compare(t, got, expected[t.name], case)


@contextlib.contextmanager
def _streaming(on):
    saved = os.environ.get("TECOMP_STREAM_MIN_BYTES")
    if on:
        os.environ["TECOMP_STREAM_MIN_BYTES"] = "0"
    try:
        yield
    finally:
        if on and saved is None:
            del os.environ["TECOMP_STREAM_MIN_BYTES"]
        elif on:
            os.environ["TECOMP_STREAM_MIN_BYTES"] = saved


def _placed(shape, dtype, offset):
    """An uninitialized array whose data starts ``offset`` elements (modulo 64 bytes)
    past a 64-byte boundary."""
    count = int(np.prod(shape, dtype=np.int64))
    raw = np.empty(count * dtype.itemsize + 128, np.uint8)
    start = -raw.ctypes.data % 64 + offset * dtype.itemsize % 64
    return raw[start:start + count * dtype.itemsize].view(dtype).reshape(shape)


def _tolerance(t):
    """The relative tolerance of output ``t``: that of the least precise float type
    among the tensors it is computed from. A reduction in float16 that a schedule
    reassociates (rfactor, parallel parts) rounds differently from numpy's order, and
    the difference survives a cast to float64 downstream."""
    dtypes = {op.output(i).dtype for op in post_order([t.op]) for i in range(op.num_outputs)}
    return max(RTOL[d] for d in dtypes | {t.dtype} if d in RTOL)


def _compare(t, got, want, case):
    if got.shape != want.shape:
        raise FuzzFailure("mismatch", f"output '{t.name}' has shape {got.shape}, numpy "
                          f"{want.shape}", case)
    if got.size == 0:
        return
    if np.dtype(t.dtype).kind == "f":
        rtol = _tolerance(t)
        scale = float(np.max(np.abs(np.where(np.isfinite(want), want, 0)), initial=0))
        with np.errstate(invalid="ignore"):
            bad = ~np.isclose(got.astype("float64"), want.astype("float64"), rtol=rtol,
                              atol=rtol * max(1.0, scale), equal_nan=True)
    else:
        bad = got != want
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise FuzzFailure("mismatch", f"output '{t.name}' differs at {first}: tecomp "
                          f"{got[first]!r}, numpy {want[first]!r} ({int(bad.sum())} of "
                          f"{bad.size} elements differ)", case)


def draw_case(data, target="llvm"):
    """A random case for ``target``, drawn through hypothesis' ``data`` (so it
    shrinks); built with and without bounds checks at random."""
    from hypothesis import assume
    from hypothesis import strategies as st

    from .programs import program_source, programs
    from .schedules import SCHEDULE_DRAWERS, draw_vector_blocks

    spec = data.draw(programs(), label="program")
    program = program_source(spec)
    # PoCL's CPU device has no cl_khr_fp16: float16 is refused there (issue 11 item 11).
    assume(target != "opencl" or "float16" not in program)
    # call_pure_extern names a host libm function (expf); OpenCL C has no such symbol,
    # and the build refuses it cleanly, so such a case tests nothing there.
    assume(target != "opencl" or "call_pure_extern" not in program)
    ns = {"te": te}
    exec(program, ns)

    def choose(lo, hi):
        return data.draw(st.integers(lo, hi)) if hi > lo else lo

    schedule, _ = SCHEDULE_DRAWERS[target](ns, spec["outputs"], choose)
    sizes = {d[1]: d[0] for d in spec["dims"] if d[1]}
    case = {"program": program, "schedule": schedule, "sizes": sizes,
            "outputs": spec["outputs"], "seed": spec["seed"]}
    if not choose(0, 1):
        case["debug"] = False
    if target != "llvm":
        case["target"] = target
    elif spec["seed"] % 2:
        # Derived from the drawn input seed, not drawn: drawing more would change
        # which programs and schedules a fixed-seed sample draws.
        case["stream"] = True
        case["offset"] = spec["seed"] // 2 % 64
        case["schedule"] += draw_vector_blocks(
            ns, spec["outputs"], lambda lo, hi: lo + spec["seed"] // 128 % (hi - lo + 1))
    return case


def case_id(case):
    text = case["program"] + case["schedule"] + repr(sorted(case["sizes"].items())) + \
        repr((case.get("debug", True), case.get("target", "llvm")))
    if case.get("stream"):
        text += f"stream {case.get('offset', 0)}"
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def regression_test_source(case, reason):
    """A pytest function reproducing ``case``, to paste into test_regressions.py
    (marked xfail(strict=True) until the bug is fixed, then unmarked)."""
    reason = reason.replace('"', "'")[:150]
    body = textwrap.indent(
        f'check_case({{\n'
        f'    "program": """\\\n{case["program"]}""",\n'
        f'    "schedule": """\\\n{case["schedule"]}""",\n'
        f'    "sizes": {case["sizes"]!r}, "outputs": {case["outputs"]!r}, '
        f'"seed": {case["seed"]!r}{_options_source(case)}}})\n', "    ")
    return (f'@pytest.mark.xfail(strict=True, reason="{reason}")\n'
            f"def test_fuzz_{case_id(case)}():\n{body}")


def _options_source(case):
    text = ""
    for key in ("debug", "target", "stream", "offset"):
        if key in case:
            text += f", {key!r}: {case[key]!r}".replace("'", '"')
    return text

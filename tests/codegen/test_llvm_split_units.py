"""A module split into units that LLVM optimizes and compiles in threads
(codegen/llvm/split_units.py, unit_compile.py): the units, their names and the
fallbacks to one unit; the same machine code whatever the thread count; the
whole-module path where llvmlite lacks the raw calls; errors in a thread; the
compile cache, sources, set_num_threads and export of a split module."""

import ctypes
import os
import re

import llvmlite.binding as llvm
import numpy as np
import pytest

import tecomp as te
from codegen.llvm import cache, jit, unit_compile
from codegen.llvm.split_units import _references, split_units
from tecomp.errors import BuildError, InternalError


@pytest.fixture(autouse=True)
def no_cache(monkeypatch):
    monkeypatch.setenv("TECOMP_CACHE", "0")
    monkeypatch.delenv("TECOMP_BUILD_SPLIT", raising=False)
    monkeypatch.delenv("TECOMP_BUILD_THREADS", raising=False)


def _two_regions(n=96, name="two"):
    """B = A * 2 and C = B + A, each over rows in a parallel loop (two regions)."""
    A = te.placeholder((n, n), name="A")
    B = te.compute((n, n), lambda i, j: A[i, j] * 2, name="B")
    C = te.compute((n, n), lambda i, j: B[i, j] + A[i, j], name="C")
    s = te.create_schedule(C.op)
    s[B].parallel(B.op.axis[0])
    s[C].parallel(C.op.axis[0])
    jo, ji = s[C].split(C.op.axis[1], factor=16)
    s[C].vectorize(ji)
    return s, [A, B, C]


def _build(monkeypatch, threads=None, split=True, name="two", n=96):
    if threads is not None:
        monkeypatch.setenv("TECOMP_BUILD_THREADS", str(threads))
    monkeypatch.setenv("TECOMP_BUILD_SPLIT", "1" if split else "0")
    s, args = _two_regions(n)
    return te.build(s, args, name=name)


def _check(f, n=96):
    a = np.random.default_rng(1).random((n, n)).astype("float32")
    b, c = np.zeros_like(a), np.zeros_like(a)
    f(a, b, c)
    np.testing.assert_allclose(c, a * 3, rtol=1e-6)


def _unoptimized(monkeypatch):
    return _build(monkeypatch, split=False).get_source("ll-unopt")


def test_units_of_a_parallel_kernel(monkeypatch):
    units = split_units(_unoptimized(monkeypatch))
    regions = [re.fullmatch(r'@"(two_parallel_\d+)"', u.defines[-1]) for u in units[2:]]
    assert all(regions) and len(regions) == 2
    region = regions[0].group(1)
    assert [u.defines for u in units] == [
        ['@"two"'], ['@"__tecomp_get_num_threads"', '@"__tecomp_team_size"']] + [
        [f'@"{r.group(1)}_body"', f'@"{r.group(1)}"'] for r in regions]
    assert [u.helpers for u in units] == [False, True, False, False]
    main, helpers, first, _ = (u.text for u in units)
    # functions called across units are hidden, defined once and declared where called
    assert f'define hidden void @"{region}"' in first
    assert f'declare hidden void @"{region}"' in main
    assert f'define internal void @"{region}_body"' in first
    assert 'declare hidden i64 @"__tecomp_team_size"' in main
    # the mutable thread-count global lives with its only user, the helpers
    assert '@"__tecomp_num_threads" = global' in helpers
    assert "__tecomp_num_threads" not in main
    for unit in units:      # each unit is a module of its own
        llvm.parse_assembly(unit.text).verify()


def test_references_skip_quoted_data():
    assert _references('%"alloc" = call ptr @"aligned_alloc"(ptr @g, i64 %"c")') == [
        '@"aligned_alloc"', "@g"]
    # a name-like text inside data never hides the reference after it
    assert _references('@"t" = private constant {[3 x i8], ptr} {[3 x i8] c"a@\\00", '
                       'ptr @"real"}') == ['@"t"', '@"real"']
    assert _references('!7 = !{ !"@\\22x" }') == []


def test_a_module_without_parallel_loops_is_not_split():
    A = te.placeholder((64,), name="A")
    B = te.compute((64,), lambda i: A[i] + 1, name="B")
    f = te.build(te.create_schedule(B.op), [A, B], name="plain")
    assert split_units(f.get_source("ll-unopt")) is None
    assert len(f._compiled.object_code) == 1


_TEXT = """target triple = "x86_64-unknown-linux-gnu"
@"state" = internal global i32 0
@"table" = private constant [2 x i8] c"@\\00"
define i32 @"main"() nounwind
{
entry:
  %".1" = load i8, ptr @"table"
  call void @"w1"()
  call void @"w2"()
  ret i32 0
}
define internal void @"w1"() noinline nounwind
{
entry:
  %".1" = load i8, ptr @"table"
  %"alloc" = call i32 @"helper"()
  store i32 1, ptr @"state"
  ret void
}
define internal void @"w2"() noinline nounwind
{
entry:
  %"x" = load i32, ptr @"state"
  ret void
}
define internal i32 @"helper"() nounwind
{
entry:
  ret i32 0
}
"""


def test_mutable_globals_merge_and_constants_are_copied():
    units = split_units(_TEXT)
    # "state" is written by w1 and read by w2: one unit; "table" is copied
    assert [u.defines for u in units] == [['@"main"'], ['@"w1"', '@"w2"', '@"helper"']]
    main, rest = units[0].text, units[1].text
    assert main.count('@"table" = private constant') == 1
    assert rest.count('@"table" = private constant') == 1
    assert '@"state" = internal global' in rest and '@"state"' not in main
    for unit in units:
        llvm.parse_assembly(unit.text).verify()


def test_an_internal_function_called_from_two_units_merges_them():
    text = _TEXT.replace('store i32 1, ptr @"state"', "").replace(
        '%"x" = load i32, ptr @"state"', '%"x" = call i32 @"helper"()')
    units = split_units(text)
    assert [u.defines for u in units] == [['@"main"'], ['@"w1"', '@"w2"', '@"helper"']]


@pytest.mark.parametrize("change", [
    ("", "attributes #0 = { nounwind }\n"),                          # an unknown line
    ('define internal void @"w2"', 'define linkonce_odr void @"w2"'),  # another linkage
    ("", '!0 = !{ ptr @"main" }\n'),                                  # metadata naming a global
])
def test_what_the_splitter_does_not_know_is_compiled_whole(change):
    old, new = change
    text = _TEXT.replace(old, new, 1) if old else _TEXT + new
    assert split_units(text) is None


@pytest.mark.parametrize("threads, units", [(1, 2), (2, 3), (3, 4), (8, 4)])
def test_split_module_matches_numpy(monkeypatch, threads, units):
    """At most one unit per thread besides the helpers'."""
    f = _build(monkeypatch, threads)
    assert len(f._compiled.object_code) == units
    _check(f)
    for count in (1, 2, 3):
        f.set_num_threads(count)
        _check(f)


def test_same_machine_code_for_any_thread_count_and_run(monkeypatch):
    units = split_units(_unoptimized(monkeypatch))
    objects = []
    for threads in (1, 2, 2, 4):
        unit_compile._HELPERS.clear()
        done = unit_compile.compile_units(units, _tm, lambda: jit.tuning(3), "k", threads)
        objects.append([unit.obj for unit in done])
    assert objects[0] == objects[1] == objects[2] == objects[3]
    again = [_build(monkeypatch, 2)._compiled.object_code for _ in range(2)]
    assert again[0] == again[1]


@pytest.mark.parametrize("parts, units", [(1, 2), (2, 3), (3, 4), (None, 4)])
def test_units_are_packed_into_one_per_thread(monkeypatch, parts, units):
    split = split_units(_unoptimized(monkeypatch), parts)
    assert len(split) == units and split[1].helpers and split[0].defines[0] == '@"two"'
    assert sorted(d for u in split for d in u.defines) == sorted(
        d for u in split_units(_unoptimized(monkeypatch)) for d in u.defines)
    for unit in split:
        llvm.parse_assembly(unit.text).verify()
    if parts == 1:      # nothing crosses but the helpers
        assert "define hidden void" not in split[0].text


def test_hot_code_as_compiled_whole(monkeypatch):
    """The parallel regions compile to the same instructions apart as in one module."""
    def regions(f):
        out, name = {}, None
        for line in f.get_source("asm").split("\n"):
            label = re.match(r"^([A-Za-z_][\w.]*):", line)
            if label:
                name = label.group(1)
            elif name and name.startswith("two_parallel_") and line.strip() and \
                    not line.strip().startswith((".", "#")):
                out.setdefault(name, []).append(
                    re.sub(r"\.LBB\d+_", ".LBB_", line.split("#")[0].strip()))
        return out
    split = regions(_build(monkeypatch, 2))
    assert len(split) == 4 and split == regions(_build(monkeypatch, split=False))


def test_whole_module_path_without_raw_calls(monkeypatch):
    """An llvmlite without the raw C functions compiles the module whole."""
    monkeypatch.setattr(jit, "RAW_CALLS", False)
    f = _build(monkeypatch, 2)
    assert len(f._compiled.object_code) == 1
    _check(f)


def test_raw_calls_are_found_in_this_llvmlite():
    assert unit_compile.RAW_CALLS
    assert unit_compile._raw_functions() is not None


def test_missing_raw_calls_are_detected(monkeypatch):
    class Wrapper:      # an llvmlite whose wrappers have no _cfn
        def __call__(self, *args):
            raise AssertionError
    monkeypatch.setattr(unit_compile.ffi, "lib", type("Lib", (), {
        name: Wrapper() for name in unit_compile._RAW_NAMES}))
    assert unit_compile._raw_functions() is None


def test_sources_of_a_split_module(monkeypatch):
    f = _build(monkeypatch, 2)
    ll = f.get_source("ll")
    whole = _build(monkeypatch, split=False).get_source("ll")
    assert ll.count("define ") == whole.count("define ") == 7    # entry, helpers, 2 x 2
    assert re.search(r'define internal void @two_parallel_\d+\(', ll)
    assert "hidden" not in ll
    llvm.parse_assembly(ll).verify()
    assert "vfmadd" in f.get_source("asm") or "vadd" in f.get_source("asm")
    assert "GOMP_parallel" in f.get_source("ll-unopt")


def test_export_of_a_split_module(monkeypatch, tmp_path):
    f = _build(monkeypatch, 2)
    path, _ = f.export_library(str(tmp_path / "libtwo.so"))
    _check(te.load_module(path))
    data = f.emit_object()
    assert data[:4] == b"\x7fELF"


def test_cache_holds_every_unit(monkeypatch, tmp_path):
    monkeypatch.setenv("TECOMP_CACHE", "1")
    monkeypatch.setenv("TECOMP_CACHE_DIR", str(tmp_path))
    first = _build(monkeypatch, 2)
    monkeypatch.setattr(jit, "compile_units", None)     # a second build must not compile
    monkeypatch.setattr(jit, "optimize", None)
    again = _build(monkeypatch, 2)
    assert again._compiled.object_code == first._compiled.object_code
    assert len(again._compiled.object_code) == 3
    _check(again)
    again.set_num_threads(1)
    _check(again)
    assert again.get_source("ll") == first.get_source("ll")


def test_a_damaged_multi_object_entry_is_ignored(monkeypatch, tmp_path):
    monkeypatch.setenv("TECOMP_CACHE", "1")
    monkeypatch.setenv("TECOMP_CACHE_DIR", str(tmp_path))
    f = _build(monkeypatch, 2)
    for entry in tmp_path.glob("*.tco"):
        data = entry.read_bytes()
        entry.write_bytes(data.replace(b'"objects": 3', b'"objects": 2'))
    assert cache.load(next(tmp_path.glob("*.tco")).stem) is None
    _check(_build(monkeypatch, 2))
    assert len(f._compiled.object_code) == 3


def test_the_helper_unit_is_compiled_once(monkeypatch):
    unit_compile._HELPERS.clear()
    _build(monkeypatch, 2, name="one")
    assert len(unit_compile._HELPERS) == 1
    (memo,) = unit_compile._HELPERS.values()
    f = _build(monkeypatch, 2, name="other", n=40)
    assert list(unit_compile._HELPERS.values()) == [memo]
    assert memo.obj in f._compiled.object_code
    _check(f, 40)


def _tm():
    return jit.target_machine(te.Target.create("llvm"))


@pytest.mark.parametrize("threads", [1, 2])
def test_an_llvm_error_in_a_thread_is_an_internal_error(threads):
    good = split_units(_TEXT)
    bad = type(good[1])(good[1].text.replace("ret void", "ret i32 0", 1), good[1].defines,
                        False)
    with pytest.raises(InternalError, match=r"(?s)invalid LLVM IR.*--- unit ---.*@\"w1\""):
        unit_compile.compile_units([good[0], bad], _tm, lambda: jit.tuning(3), "k", threads)


def test_a_missing_external_function_is_a_build_error():
    units = split_units(_TEXT)
    with pytest.raises(BuildError, match="tecomp_no_such_function.*not available"):
        jit._check_unit_externals(["w1", "tecomp_no_such_function"], units)
    jit._check_unit_externals(["w1", "helper", "main", "free", "llvm.memset.p0.i64"], units)


def test_optimized_ir_printed_later_is_the_same(monkeypatch, tmp_path):
    """Without the compile cache the units' optimized IR is printed when asked for,
    by optimizing them again: the same text as printed at build time."""
    later = _build(monkeypatch, 2)
    assert all(text is None for text in later._compiled.unit_ll[::2])
    monkeypatch.setenv("TECOMP_CACHE", "1")
    monkeypatch.setenv("TECOMP_CACHE_DIR", str(tmp_path))
    now = _build(monkeypatch, 2)
    assert all(text is not None for text in now._compiled.unit_ll)
    assert later.get_source("ll") == now.get_source("ll")
    assert later._compiled.optimized_units == now._compiled.optimized_units


def test_cross_unit_symbols_resolve_in_one_engine(monkeypatch):
    f = _build(monkeypatch, 2)
    engine = f._compiled.engine
    region = re.search(r'@(two_parallel_\d+)\(', f.get_source("ll")).group(1)
    for name in ("two", region, "__tecomp_team_size"):
        assert engine.get_function_address(name)
    address = f._compiled.global_address("__tecomp_num_threads")
    f.set_num_threads(3)
    assert ctypes.c_int32.from_address(address).value == 3


@pytest.mark.parametrize("loadavg, others", [
    ("0.05 0.10 0.20 1/120 999", 0),      # idle: only this thread runs
    ("0.40 0.30 0.20 2/120 999", 0),      # a task runnable for an instant
    ("2.10 2.00 1.90 3/120 999", 1),      # one other process keeps a core busy
    ("4.60 4.00 3.00 4/150 999", 3),
    ("4.60 4.00 3.00 1/150 999", 0),      # busy a minute ago, idle now
    ("", 0), ("garbage", 0)])
def test_other_tasks(loadavg, others):
    assert unit_compile.other_tasks(loadavg) == others


def test_build_threads_knob(monkeypatch):
    monkeypatch.setenv("TECOMP_BUILD_THREADS", "3")
    assert unit_compile.build_threads() == 3
    monkeypatch.setenv("TECOMP_BUILD_THREADS", "zero")
    assert 1 <= unit_compile.build_threads() <= unit_compile.MAX_THREADS
    monkeypatch.delenv("TECOMP_BUILD_THREADS")
    monkeypatch.setattr(unit_compile, "_loadavg", lambda: "9.0 9.0 9.0 12/150 999")
    assert unit_compile.build_threads() == 1
    monkeypatch.setattr(unit_compile, "_loadavg", lambda: "0.1 0.1 0.1 1/150 999")
    assert unit_compile.build_threads() == min(len(os.sched_getaffinity(0)),
                                               unit_compile.MAX_THREADS)


def test_building_in_threads_leaves_the_locale_alone(monkeypatch):
    """llvmlite's module printer sets the process's locale to "C" and back; two
    prints at once (once the units' optimized IR was printed in the threads) left it
    at "C", and Python then read files as ASCII. Within a few dozen builds."""
    import locale
    units = split_units(_unoptimized(monkeypatch))
    before = locale.setlocale(locale.LC_ALL, None)
    for _ in range(40):
        unit_compile._HELPERS.clear()
        done = unit_compile.compile_units(units, _tm, lambda: jit.tuning(3), "k", 2)
        assert all(unit.ll for unit in done)
        assert locale.setlocale(locale.LC_ALL, None) == before

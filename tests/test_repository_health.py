"""Repository health: the layering, imports and module sizes the README states.

Every import in ``tecomp/`` and ``codegen/`` is read from the source (module
level and inside functions alike) and checked against the layering rules:

* ``tecomp/{ir,arith,schedule,transform}`` (and ``te``) never import
  ``tecomp.runtime`` or ``codegen``; the IR imports nothing above itself;
* ``tecomp.runtime`` never imports ``codegen``;
* no function-local import of tecomp's or codegen's own modules (an import
  hidden in a function is how a cycle gets dodged instead of removed), and no
  import cycle between packages;
* every module stays small (:data:`MAX_LINES`).

Tests never wrap a tecomp import in ``except ImportError``: a renamed helper
must fail loudly, not switch a test (or the fuzzer) to a weaker fallback.
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("tecomp", "codegen")
MAX_LINES = 600

#: package prefix -> prefixes it must never import
FORBIDDEN = {
    "tecomp.ir": ("tecomp.arith", "tecomp.te", "tecomp.schedule", "tecomp.transform",
                  "tecomp.runtime", "tecomp.lower", "tecomp.build", "tecomp.topi", "codegen"),
    "tecomp.arith": ("tecomp.te", "tecomp.schedule", "tecomp.transform", "tecomp.runtime",
                     "tecomp.lower", "tecomp.build", "codegen"),
    "tecomp.te.": ("tecomp.transform", "tecomp.runtime", "tecomp.lower", "tecomp.build", "codegen"),
    "tecomp.schedule": ("tecomp.transform", "tecomp.runtime", "tecomp.lower", "tecomp.build",
                        "codegen"),
    "tecomp.transform": ("tecomp.runtime", "tecomp.lower", "tecomp.build", "codegen"),
    "tecomp.runtime": ("codegen", "tecomp.lower", "tecomp.build"),
    "tecomp.abi": ("tecomp.runtime", "codegen"),
    "tecomp.target": ("tecomp.runtime", "codegen"),
}


def _module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path, _module_name(path)


def _imports(path, module):
    """``(imported module, line, inside a function)`` for every import of ``path``."""
    tree = ast.parse(path.read_text(), str(path))
    is_package = path.name == "__init__.py"
    found = []

    def walk(node, in_function):
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                       ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((a.name, child.lineno, in_function) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = module.split(".")
                    base = base if is_package else base[:-1]
                    base = base[:len(base) - child.level + 1]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module
                found.append((target, child.lineno, in_function))
                # ``from pkg import submodule`` imports the submodule too
                found.extend((f"{target}.{a.name}", child.lineno, in_function) for a in child.names)
            walk(child, nested)
    walk(tree, False)
    return found


def _ours(name):
    return name.split(".")[0] in PACKAGES


def _known_modules():
    return {module for _, module in _sources()}


def _resolve(name, known):
    """The project module ``name`` refers to (dropping a trailing attribute)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name


def _under(module, prefix):
    if prefix.endswith("."):
        return module.startswith(prefix)
    return module == prefix or module.startswith(prefix + ".")


def test_layering():
    known = _known_modules()
    bad = []
    for path, module in _sources():
        for name, line, _ in _imports(path, module):
            if not _ours(name):
                continue
            target = _resolve(name, known)
            for layer, forbidden in FORBIDDEN.items():
                if _under(module, layer) and any(_under(target, f) for f in forbidden):
                    bad.append(f"{path.relative_to(ROOT)}:{line}: {module} imports {target}")
    assert not bad, "imports running up the layering:\n" + "\n".join(bad)


def test_no_function_local_imports_of_our_modules():
    bad = [f"{path.relative_to(ROOT)}:{line}: {name}"
           for path, module in _sources()
           for name, line, local in _imports(path, module) if local and _ours(name)]
    assert not bad, ("function-local imports of tecomp/codegen modules (move them to the top; "
                     "break a cycle by moving code, not by hiding the import):\n" + "\n".join(bad))


def test_no_import_cycle_between_packages():
    """Modules of one package may refer to each other (IR nodes print themselves);
    packages form a DAG. ``tecomp`` and ``tecomp.te`` themselves are namespaces
    (TVM's ``tvm``/``tvm.te``) that re-export from every layer."""
    known = _known_modules()

    def package(module):
        if module in ("tecomp", "tecomp.te"):
            return "tecomp"
        parts = module.split(".")
        return ".".join(parts[:2]) if parts[0] == "tecomp" else parts[0]

    edges = {}
    for path, module in _sources():
        src = package(module)
        for name, _, _ in _imports(path, module):
            if _ours(name):
                dst = package(_resolve(name, known))
                if dst != src and src != "tecomp" and dst != "tecomp":
                    edges.setdefault(src, set()).add(dst)
    cycles, done = [], set()

    def visit(node, stack):
        if node in stack:
            cycles.append(stack[stack.index(node):] + [node])
            return
        if node in done:
            return
        for nxt in sorted(edges.get(node, ())):
            visit(nxt, stack + [node])
        done.add(node)
    for start in sorted(edges):
        visit(start, [])
    assert not cycles, "package import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("package", PACKAGES)
def test_module_size(package):
    big = [f"{path.relative_to(ROOT)}: {n} lines" for path, _ in _sources()
           if path.parts[len(ROOT.parts)] == package
           and (n := len(path.read_text().splitlines())) > MAX_LINES]
    assert not big, f"modules over {MAX_LINES} lines (split them by responsibility):\n" \
        + "\n".join(big)


def test_tests_never_guard_our_imports():
    bad = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Try):
                continue
            catches = {ast.unparse(h.type) for h in node.handlers if h.type is not None}
            if not catches & {"ImportError", "ModuleNotFoundError"} and not any(
                    "ImportError" in c for c in catches):
                continue
            for sub in node.body:
                for n in ast.walk(sub):
                    names = [a.name for a in n.names] if isinstance(n, ast.Import) else \
                        [n.module or ""] if isinstance(n, ast.ImportFrom) and not n.level else \
                        ["."] if isinstance(n, ast.ImportFrom) else []
                    if any(_ours(x) or x == "." for x in names):
                        bad.append(f"{path.relative_to(ROOT)}:{n.lineno}")
    assert not bad, "tecomp imports guarded by except ImportError in tests:\n" + "\n".join(bad)


def test_the_checker_sees_imports():
    """The walk finds module-level, function-local and relative imports."""
    path = ROOT / "tecomp" / "lower.py"
    names = {n for n, _, _ in _imports(path, "tecomp.lower")}
    assert "tecomp.schedule.graph" in names and "tecomp.errors" in names
    assert _resolve("tecomp.ir.expr.Var", _known_modules()) == "tecomp.ir.expr"


def test_every_error_class_is_in_errors_py():
    """One list of what tecomp can raise (private control-flow exceptions aside)."""
    bad = []
    for path, module in _sources():
        if module == "tecomp.errors":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_") and any(
                    ast.unparse(b).split(".")[-1].endswith(("Error", "Exception", "Warning"))
                    for b in node.bases):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.name}")
    assert not bad, "error classes outside tecomp/errors.py:\n" + "\n".join(bad)

"""``report``: one HTML page with a kernel's lowered IR, LLVM IR and assembly
side by side.

The lowered IR's loops fold (``<details>``); each loop links to the LLVM IR
blocks and the assembly blocks compiled from it, found by the block names the
LLVM backend gives a loop over ``i``: ``for_i_body``, ``for_i_end`` (and
``.1``, ``.2`` copies where LLVM duplicated them). The assembly is LLVM's
verbose listing, whose comments carry those names. Clicking a loop highlights
its lines in the other two columns. Loops that were unrolled or vectorized
have no blocks of their own, and say so; loops over the same variable (a
reduction's init and update nests) share their links. The page needs no network access.
"""

import html
import re

from .build import build
from .errors import ArgumentValueError
from .lower import lower

_LOOP = re.compile(r"^\s*(for|parallel|vectorized|unrolled) \((\S+), ")
_LL_LABEL = re.compile(r"^([A-Za-z_.$][\w.$-]*):")
_ASM_BLOCK = re.compile(r"^(\.LBB\w+:|\s*# %bb\.\d+:).*?(?:# %(\S+))?\s*$")

_STYLE = """
body { font-family: sans-serif; margin: 0.5em; }
h1 { font-size: 1.2em; margin: 0.2em 0; }
.columns { display: grid; grid-template-columns: 1fr 1fr 1fr; gap: 0.5em; }
.column { border: 1px solid #ccc; height: 88vh; overflow: auto; }
.column h2 { font-size: 1em; margin: 0; padding: 0.3em; background: #eee; position: sticky; top: 0; }
.code { font-family: monospace; font-size: 12px; white-space: pre; padding: 0 0.3em; }
details { margin: 0; } summary { cursor: pointer; }
.line.hit { background: #fff3a0; }
.links { color: #666; font-size: 11px; margin-left: 1em; }
"""

_SCRIPT = """
document.addEventListener('click', function (e) {
  var a = e.target.closest('a.loop');
  if (!a) return;
  document.querySelectorAll('.hit').forEach(function (x) { x.classList.remove('hit'); });
  document.querySelectorAll('.' + a.dataset.loop).forEach(function (x) { x.classList.add('hit'); });
});
"""


def report(sch, args, path, name="kernel", target="llvm"):
    """Write ``path``: the lowered IR, the LLVM IR and the assembly of
    ``build(sch, args, target, name)`` side by side. CPU (``llvm``) targets only.
    Returns ``path``."""
    if str(target).split()[0] != "llvm":
        raise ArgumentValueError(f"report({name}): the side-by-side page shows LLVM IR and "
                                 f"assembly, so it needs an 'llvm' target, got {target!r}")
    func = lower(sch, args, name=name)
    module = build(sch, args, target=target, name=name)
    ir_lines = str(func).splitlines()
    ll_lines = module.get_source("ll").splitlines()
    asm_lines = module.get_source("asm-verbose").splitlines()
    ll_blocks = _blocks(ll_lines, lambda line: _match(_LL_LABEL, line, 1))
    asm_blocks = _blocks(asm_lines, lambda line: _match(_ASM_BLOCK, line, 2))
    loops = _loop_ids(ir_lines)
    ll_class = _line_classes(ll_blocks, loops)
    asm_class = _line_classes(asm_blocks, loops)
    page = ["<!DOCTYPE html><html><head><meta charset='utf-8'>",
            f"<title>tecomp report: {html.escape(name)}</title><style>{_STYLE}</style></head>",
            f"<body><h1>tecomp report: {html.escape(name)} (target {html.escape(str(target))})"
            "</h1><div class='columns'>",
            "<div class='column' id='lowered'><h2>lowered IR</h2><div class='code'>",
            _lowered_html(ir_lines, loops, ll_class, asm_class),
            "</div></div>",
            "<div class='column' id='llvm'><h2>LLVM IR</h2><div class='code'>",
            _code_html(ll_lines, ll_class, "ll"),
            "</div></div>",
            "<div class='column' id='asm'><h2>assembly</h2><div class='code'>",
            _code_html(asm_lines, asm_class, "asm"),
            "</div></div></div>", f"<script>{_SCRIPT}</script></body></html>"]
    with open(path, "w") as f:
        f.write("\n".join(page))
    return path


def _match(pattern, line, group):
    m = pattern.match(line)
    return m.group(group) if m else None


def _blocks(lines, label_of):
    """Line index -> the name of the block it belongs to (None before the first)."""
    current, owner = None, []
    for line in lines:
        m = label_of(line)
        if m is not None or line.startswith(".LBB") or line.startswith("define "):
            current = m
        owner.append(current)
    return owner


def _loop_ids(ir_lines):
    """Lowered-IR line index -> (loop variable, css class) for each loop header."""
    loops = {}
    for k, line in enumerate(ir_lines):
        m = _LOOP.match(line)
        if m:
            loops[k] = (m.group(2), f"loop{k}")
    return loops


def _belongs(block, var):
    """Whether an LLVM block name comes from the loop over ``var``."""
    if not block:
        return False
    return block.startswith(f"for_{var}_") or block.startswith(f"parallel_{var}_")


def _line_classes(owners, loops):
    """Line index -> css classes of the loops it was compiled from."""
    classes = []
    for block in owners:
        classes.append(" ".join(cls for var, cls in loops.values() if _belongs(block, var)))
    return classes


def _code_html(lines, classes, prefix):
    out = []
    for k, (line, cls) in enumerate(zip(lines, classes)):
        out.append(f"<div class='line {cls}' id='{prefix}{k}'>{html.escape(line) or ' '}</div>")
    return "".join(out)


def _lowered_html(lines, loops, ll_class, asm_class):
    out, depth = [], 0
    for k, line in enumerate(lines):
        text = html.escape(line.strip())
        indent = html.escape(line[:len(line) - len(line.lstrip())])
        if k in loops and line.rstrip().endswith("{"):
            var, cls = loops[k]
            links = []
            for label, classes, prefix in (("LLVM IR", ll_class, "ll"),
                                           ("assembly", asm_class, "asm")):
                hits = [j for j, c in enumerate(classes) if cls in c.split()]
                if hits:
                    links.append(f"<a class='loop' data-loop='{cls}' href='#{prefix}{hits[0]}'>"
                                 f"{label}: {len(hits)} lines</a>")
            if not links:
                links.append("no blocks of its own (unrolled, vectorized or folded by LLVM)")
            out.append(f"<details open id='{cls}'><summary>{indent}{text}"
                       f"<span class='links'>{' | '.join(links)}</span></summary>")
            depth += 1
        elif line.strip() == "}" and depth and _closes_loop(lines, k, loops):
            out.append(f"<div class='line'>{indent}{text}</div></details>")
            depth -= 1
        else:
            out.append(f"<div class='line'>{indent}{text or ' '}</div>")
    out.extend("</details>" for _ in range(depth))
    return "".join(out)


def _closes_loop(lines, k, loops):
    """Whether the ``}`` on line ``k`` closes a loop (not an if or the function)."""
    level = 0
    for j in range(k - 1, -1, -1):
        stripped = lines[j].strip()
        if stripped == "}" or stripped.startswith("} "):
            level += 1
        elif stripped.endswith("{"):
            if level == 0:
                return j in loops
            level -= 1
    return False


__all__ = ["report"]

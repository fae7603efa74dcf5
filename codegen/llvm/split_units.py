"""Split a module's LLVM IR text into units that LLVM optimizes and compiles apart.

O3 and instruction selection of a module are serial in LLVM, but independent
modules, each in its own LLVMContext, compile in parallel threads
(:mod:`.unit_compile`). A kernel module has natural seams: each parallel loop's
outlined wrapper ``f_parallel_N`` (``internal noinline``, whose address goes to
``GOMP_parallel``) with the ``f_parallel_N_body`` it calls, and the runtime helpers
(``optnone``, the same text in every module). :func:`split_units` cuts there:

* a **unit root** is an ``internal noinline`` function (a parallel wrapper) or the
  group of all ``optnone`` functions (the runtime helpers); every other defined
  function belongs to the first unit, the *main* unit (entry functions, anything
  external); a ``noinline`` function that a single root alone refers to (the
  region's body, which its wrapper calls) is no root: it goes with that root;
* an internal function that is not a root belongs to the unit of the functions
  that refer to it; one referred to from two units merges them (no duplicated
  code);
* a global variable that is ``private``/``internal`` and ``constant`` is copied
  into every unit that refers to it; any other global variable (mutable state such
  as ``__tecomp_num_threads``) merges the units that refer to it and is defined in
  that unit alone (in the main unit when no function refers to it);
* a root function referred to from another unit becomes ``hidden`` (defined in
  its unit, declared where it is called), so the only references across units
  are functions, resolved when the units' objects load into one JIT;
  :func:`restore_linkage` makes them ``internal`` again in a re-linked module;
* declarations and metadata are copied into every unit (unreferenced metadata is
  harmless; metadata that names a global value stops the split).

Anything the splitter does not recognize (a top-level line of another kind,
metadata naming a global, a linkage other than external/internal on a function,
an unnamed global) returns ``None``: the caller compiles the module whole. So does
a module that splits into a single unit.
"""

import re

#: A global value's name as llvmlite prints it: ``@"name"`` or ``@name``.
_NAME = r'@(?:"[^"]*"|[-a-zA-Z$._0-9]+)'
_REF = re.compile(_NAME)
#: Quoted tokens, scanned left to right so that each quote pairs with its own:
#: global names ``@"..."``/``@name`` (kept), any other quoted text (local names,
#: ``c"..."`` data, ``!"..."`` metadata strings) skipped whatever it holds.
_TOKENS = re.compile(r'(@"[^"]*"|@[-a-zA-Z$._0-9]+)|"[^"]*"')
_DEFINE = re.compile(r'define\s+(?P<pre>[^@]*?)(?P<name>' + _NAME + r')\(')
_GLOBAL = re.compile(r'(?P<name>' + _NAME + r')\s*=\s*(?P<rest>.*)$')
_GLOBAL_LINKAGES = ("private", "internal")


class Unit:
    """One unit: ``text`` (a module of its own), the functions it defines
    (``defines``, names as printed), and ``helpers``: true when every function it
    defines is an ``optnone`` runtime helper (the same text in every module)."""

    def __init__(self, text, defines, helpers):
        self.text, self.defines, self.helpers = text, defines, helpers

    def __repr__(self):
        return f"Unit({', '.join(self.defines)}{', helpers' if self.helpers else ''})"


class _Entity:
    def __init__(self, kind, name, text):
        self.kind, self.name, self.text = kind, name, text
        self.first = text[:text.find("\n")] if kind == "define" else text
        self.refs = [r for r in _references(text) if r != name]


def _references(text):
    """The global names ``text`` refers to, as printed (the quick scan where it
    holds no quoted data, ``c"..."``, ``!"..."`` or inline ``asm``, whose text
    could look like a name)."""
    if 'c"' in text or '!"' in text or "asm" in text:
        names = dict.fromkeys(_TOKENS.findall(text))
        names.pop("", None)
    else:
        names = dict.fromkeys(_REF.findall(text))
    return list(names)


def _entities(text):
    """``(header lines, entities, metadata lines)``, or ``None`` for a line the
    splitter does not know. A function's body ends at the first line ``}``."""
    header, entities, metadata = [], [], []
    for chunk in (text if text.endswith("\n") else text + "\n").split("\n}\n"):
        start = chunk.find("\ndefine ") + 1 if not chunk.startswith("define ") else 0
        if start == 0 and not chunk.startswith("define "):
            start = len(chunk) + 1      # no definition: top-level lines only
        for line in chunk[:max(start - 1, 0)].split("\n"):
            if not _top_level(line, header, entities, metadata):
                return None
        if start <= len(chunk):
            body = chunk[start:]
            match = _DEFINE.match(body)
            if match is None:
                return None
            entities.append(_Entity("define", match.group("name"), body + "\n}"))
    return header, entities, metadata


def _top_level(line, header, entities, metadata):
    """Sort one top-level line; false for a kind the splitter does not know."""
    if not line.strip() or line.startswith(";"):
        return True
    if line.startswith(("target ", "source_filename")):
        header.append(line)
    elif line.startswith("declare "):
        match = _REF.search(line)
        if match is None:
            return False
        entities.append(_Entity("declare", match.group(0), line))
    elif line.startswith("@"):
        match = _GLOBAL.match(line)
        if match is None:
            return False
        entities.append(_Entity("global", match.group("name"), line))
    elif line.startswith("!"):
        if _references(line):
            return False
        metadata.append(line)
    else:
        return False
    return True


def _attributes(define_line):
    """The tokens after a define line's argument list (function attributes)."""
    return set(define_line[define_line.rfind(")") + 1:].replace("{", " ").split())


def split_units(text, parts=None):
    """The units of the LLVM IR ``text`` (a list of :class:`Unit`, the main unit
    first), or ``None`` when it does not split into two or more (see the module
    doc). With ``parts``, the groups other than the helpers' are packed into at
    most ``parts`` units of about equal size (each unit costs LLVM about 1.7 ms of
    fixed work, so there is no point in more units than threads)."""
    parsed = _entities(text)
    if parsed is None:
        return None
    header, entities, metadata = parsed
    by_name = {}
    for e in entities:
        if e.name in by_name:
            return None
        by_name[e.name] = e
    parent = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a, b):
        a, b = find(a), find(b)
        if a != b:      # the earlier group keeps its name: the main unit stays "main"
            parent[b] = a

    MAIN, HELPERS = "#main", "#helpers"
    find(MAIN)
    roots, linkage, helpers = {}, {}, set()
    for e in entities:
        if e.kind != "define":
            continue
        pre = _DEFINE.match(e.first).group("pre").split()
        internal = "internal" in pre
        if any(word in ("private", "linkonce", "linkonce_odr", "weak", "weak_odr", "common",
                        "available_externally", "extern_weak", "appending")
               for word in pre):
            return None
        attributes = _attributes(e.first)
        linkage[e.name] = internal
        if "optnone" in attributes:
            if not internal:
                return None
            roots[e.name] = HELPERS
            helpers.add(e.name)
        elif internal and "noinline" in attributes:
            roots[e.name] = e.name
        elif not internal:
            roots[e.name] = MAIN
    # A noinline function that only one parallel region calls (the region's body)
    # belongs with that region.
    callers = {}
    for e in entities:
        if e.kind == "define":
            for ref in e.refs:
                callers.setdefault(ref, set()).add(e.name)
    for name in [n for n, root in roots.items() if root == n]:
        referrers = callers.get(name, set())
        if len(referrers) == 1 and roots.get(next(iter(referrers))) == next(iter(referrers)):
            del roots[name]
    # Functions: each defined function joins its root's group; an internal non-root
    # joins every group that refers to it.
    for name, root in roots.items():
        union(root, name)
    for e in entities:
        if e.kind != "define":
            continue
        for ref in e.refs:
            target = by_name.get(ref)
            if target is None:
                continue
            if target.kind == "define" and ref not in roots:
                union(e.name, ref)
    for e in entities:      # an unreferenced internal function stays in the main unit
        if e.kind == "define" and e.name not in roots and find(e.name) == e.name:
            union(MAIN, e.name)
    # Globals: mutable or non-local ones merge their users.
    copied = set()
    for e in entities:
        if e.kind != "global":
            continue
        rest = _GLOBAL.match(e.first).group("rest").split()
        if rest and rest[0] in _GLOBAL_LINKAGES and "constant" in rest and not e.refs:
            copied.add(e.name)
            continue
        for ref in e.refs:      # what its initializer names lives with it
            if ref in by_name and by_name[ref].kind != "declare":
                union(e.name, ref)
        users = [u.name for u in entities if u.kind == "define" and e.name in u.refs]
        for user in users:
            union(e.name, user)
        if not users:
            union(MAIN, e.name)
    groups = {}
    for e in entities:
        if e.kind == "define" or (e.kind == "global" and e.name not in copied):
            groups.setdefault(find(e.name), []).append(e)
    groups = _packed(groups, find(MAIN), helpers, parts)
    if len(groups) < 2:
        return None
    order = list(groups)
    home = {e.name: g for g, members in groups.items() for e in members}
    crossing = set()
    for g, members in groups.items():
        for e in members:
            for ref in e.refs:
                if ref in home and home[ref] != g:
                    if by_name[ref].kind != "define":
                        return None     # a global of another unit: cannot happen, but be safe
                    crossing.add(ref)
    units = []
    for g in order:
        members = groups[g]
        own = {e.name for e in members}
        needed = dict.fromkeys(ref for e in members for ref in e.refs if ref not in own)
        body = list(header)
        for ref in needed:
            target = by_name.get(ref)
            if target is None:
                continue
            if target.kind == "define":
                body.append(_declaration(target.first))
            else:
                body.append(target.text)
        for e in members:
            body.append(_hidden(e.text) if e.kind == "define" and e.name in crossing
                        else e.text)
        body.extend(metadata)
        defines = [e.name for e in members if e.kind == "define"]
        units.append(Unit("\n".join(body) + "\n", defines,
                          bool(defines) and all(d in helpers for d in defines)))
    return units


def _packed(groups, main, helpers, parts):
    """``groups`` (name -> entities, the main group ``main`` first) packed into at
    most ``parts`` (``None``: no limit) groups besides the helpers' group, largest
    first into the smallest (by text length)."""
    names = [main] + [g for g in groups if g != main]
    groups.setdefault(main, [])
    solo = [g for g in names if g != main and groups[g] and
            all(e.name in helpers for e in groups[g] if e.kind == "define")]
    rest = [g for g in names if g not in solo]
    if parts is None or len(rest) <= parts:
        return {g: groups[g] for g in rest[:1] + solo + rest[1:]}
    size = {g: sum(len(e.text) for e in groups[g]) for g in rest}
    bins = [[main]] + [[] for _ in range(max(parts, 1) - 1)]
    load = [size[main]] + [0] * (len(bins) - 1)
    for g in sorted(rest[1:], key=lambda g: (-size[g], names.index(g))):
        i = load.index(min(load))
        bins[i].append(g)
        load[i] += size[g]
    packed = {}
    for i, members in enumerate(bins):
        if members:
            packed[members[0]] = [e for g in sorted(members, key=names.index)
                                  for e in groups[g]]
        if i == 0:
            packed.update((g, groups[g]) for g in solo)
    return packed


def _hidden(define_line):
    """An ``internal`` define line made ``hidden`` (external, not exported)."""
    return re.sub(r"^define\s+internal\s", "define hidden ", define_line, count=1)


def _declaration(define_line):
    """The ``declare`` line of a function defined (``internal``) in another unit."""
    line = _hidden(define_line).replace("define hidden ", "declare hidden ", 1)
    return line.rstrip().removesuffix("{").rstrip()


def plain_name(printed):
    """``name`` of a printed global name ``@"name"`` or ``@name``."""
    name = printed[1:]
    return name[1:-1] if name.startswith('"') else name

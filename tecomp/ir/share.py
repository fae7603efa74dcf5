"""Expressions are DAGs: a subexpression built once and used twice is one object.

Python code such as ``for _ in range(12): x = te.max(x, x * 0.5) + x`` builds a
DAG of 37 nodes whose *tree* has over a million: every pass that walks
expressions as trees (visitors, mutators, the simplifier, the code generator)
would expand it. :func:`share_repeated` turns such an expression into a chain of
``Let`` bindings, one per repeated subexpression, so the tree a pass sees has
the size of the DAG. Halide's ``CSE`` pass and TVM's ``CommonSubexprElim`` do the
same; here it runs where a compute body is made, before any tree walk.

Small expressions are left exactly as written (their tree is cheap), so printed
IR and the generated code of ordinary programs do not change.
"""

from dataclasses import fields

from .expr import Call, FloatImm, IntImm, Let, PrimExpr, Reduce, StringImm, Var

#: Tree size (nodes counted with repetition) above which repeated
#: subexpressions are let-bound.
TREE_LIMIT = 2000

_LEAVES = (Var, IntImm, FloatImm, StringImm)
_FIELDS = {}


def _children(e):
    names = _FIELDS.get(type(e))
    if names is None:
        names = _FIELDS[type(e)] = tuple(f.name for f in fields(e) if f.init)
    out = []
    for name in names:
        value = getattr(e, name)
        if isinstance(value, PrimExpr):
            out.append(value)
        elif isinstance(value, tuple):
            out.extend(v for v in value if isinstance(v, PrimExpr))
    return out


def _post_order(root):
    """Each distinct node once, children first (iterative: deep DAGs are fine)."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((c, False) for c in reversed(_children(node)) if id(c) not in seen)
    return order


def tree_size(e):
    """Number of nodes of ``e`` counted as a tree (with repetition)."""
    size = {}
    for node in _post_order(e):
        size[id(node)] = 1 + sum(size[id(c)] for c in _children(node))
    return size[id(e)]


def share_repeated(e, limit=TREE_LIMIT):
    """``e`` with each repeated non-leaf subexpression bound once by a ``Let``,
    when its tree has more than ``limit`` nodes; else ``e`` itself.

    An arm of ``if_then_else`` is evaluated only where its condition holds, so
    what only an arm uses is bound inside that arm (a read hoisted out of it
    could be out of bounds). Left alone: expressions holding a reduction or a
    ``Let`` of their own (a binding hoisted out of it could lose its variable)."""
    if isinstance(e, _LEAVES) or tree_size(e) <= limit:
        return e
    if any(isinstance(n, (Let, Reduce)) for n in _post_order(e)):
        return e
    return _Sharer().scope(e)


def _is_lazy(node):
    return isinstance(node, Call) and node.op == "if_then_else" and len(node.args) == 3


class _Sharer:
    def __init__(self):
        self.rebuilt = {}       # id(node) -> its replacement (visible in this scope)
        self.count = 0

    def _eager(self, root):
        """The scope's nodes, children first: below ``root``, not into lazy arms,
        not into nodes an enclosing scope already rebuilt."""
        order, seen, stack = [], set(), [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
                continue
            if id(node) in seen or id(node) in self.rebuilt:
                continue
            seen.add(id(node))
            stack.append((node, True))
            kids = node.args[:1] if _is_lazy(node) else _children(node)
            stack.extend((c, False) for c in reversed(kids))
        return order

    def scope(self, root):
        if id(root) in self.rebuilt:
            return self.rebuilt[id(root)]
        order = self._eager(root)
        uses = {}
        for node in order:
            for c in (node.args[:1] if _is_lazy(node) else _children(node)):
                uses[id(c)] = uses.get(id(c), 0) + 1
        added, bindings = [], []
        for node in order:
            if _is_lazy(node):
                cond = self.rebuilt.get(id(node.args[0]), node.args[0])
                arms = tuple(self.scope(arm) for arm in node.args[1:])
                new = Call(node.dtype, node.op, (cond,) + arms)
            else:
                new = _rebuild(node, self.rebuilt)
            if uses.get(id(node), 0) > 1 and not isinstance(node, _LEAVES):
                var = Var(f"cse{self.count}", node.dtype)
                self.count += 1
                bindings.append((var, new))
                new = var
            self.rebuilt[id(node)] = new
            added.append(id(node))
        body = self.rebuilt.get(id(root), root)
        for var, value in reversed(bindings):
            body = Let(var, value, body)
        for key in added:           # what this scope bound is not visible outside it
            del self.rebuilt[key]
        return body


def _rebuild(node, rebuilt):
    names = _FIELDS.get(type(node))
    if names is None:
        names = _FIELDS[type(node)] = tuple(f.name for f in fields(node) if f.init)
    changed = {}
    for name in names:
        value = getattr(node, name)
        if isinstance(value, PrimExpr):
            new = rebuilt.get(id(value), value)
            if new is not value:
                changed[name] = new
        elif isinstance(value, tuple) and any(isinstance(v, PrimExpr) for v in value):
            new = tuple(rebuilt.get(id(v), v) if isinstance(v, PrimExpr) else v for v in value)
            if any(a is not b for a, b in zip(new, value)):
                changed[name] = new
    if not changed:
        return node
    return type(node)(**{name: changed.get(name, getattr(node, name)) for name in names})

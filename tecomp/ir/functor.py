"""The one visitor/mutator base of the IR, and the helpers built on it.

``IRVisitor.visit`` and ``IRMutator.visit`` dispatch on the node's class to a
method ``visit_<ClassName>``; a class without one is traversed field by field,
which is right for every node whose children are plain fields. A mutator returns
the very same node when nothing below it changed, so passes can tell cheaply
whether they did anything.
"""

from dataclasses import fields

from ..errors import InternalError
from .dispatch import _VISIT_TABLE, Dispatcher, dispatch, visit_table
from .expr import CommReducer, IterVar, PrimExpr, Range, Var
from .stmt import Stmt

_NODE_TYPES = (PrimExpr, Stmt, Range)
_SCALAR_FIELD_TYPES = (str, int, float, bool)
_FIELDS = {}        # node class -> names of all init fields
_CHILD_FIELDS = {}  # node class -> names of the fields that can hold nodes


def _init_fields(cls):
    names = _FIELDS.get(cls)
    if names is None:
        try:
            init_fields = [f for f in fields(cls) if f.init]
        except TypeError:
            raise InternalError(f"{cls.__name__} is not an IR node") from None
        names = tuple(f.name for f in init_fields)
        _FIELDS[cls] = names
        _CHILD_FIELDS[cls] = tuple(f.name for f in init_fields
                                   if f.type not in _SCALAR_FIELD_TYPES)
    return names


def _child_fields(cls):
    children = _CHILD_FIELDS.get(cls)
    if children is None:
        _init_fields(cls)
        children = _CHILD_FIELDS[cls]
    return children


def _is_node(value):
    return isinstance(value, _NODE_TYPES)


def _node_children(node):
    """:func:`_child_fields` of ``node``'s class, refusing what is not an IR node."""
    if not isinstance(node, _NODE_TYPES):
        raise InternalError(f"IRVisitor: no handler for {type(node).__name__}")
    return _child_fields(node.__class__)


class _Dispatcher(Dispatcher):
    def visit(self, node):
        # dispatch(self, node), inlined: this runs once per node of every walk
        table = self.__class__.__dict__.get(_VISIT_TABLE)
        if table is None:
            table = visit_table(self)
        try:
            fn = table[node.__class__]
        except KeyError:
            fn = dispatch(self, node)
            table[node.__class__] = fn
        if fn is None:
            return self.generic_visit(node)
        return fn(self, node)


class IRVisitor(_Dispatcher):
    """Walks a tree. Override ``visit_<Class>`` and call ``self.generic_visit``
    (or visit children yourself) to continue below."""

    def generic_visit(self, node):
        children = _CHILD_FIELDS.get(node.__class__)
        if children is None:
            children = _node_children(node)
        visit = self.visit
        for name in children:
            value = getattr(node, name)
            if isinstance(value, _NODE_TYPES):
                visit(value)
            elif isinstance(value, tuple):
                for item in value:
                    if isinstance(item, _NODE_TYPES):
                        visit(item)


class IRMutator(_Dispatcher):
    """Rebuilds a tree bottom-up. ``visit_<Class>`` returns the replacement."""

    def generic_visit(self, node):
        cls = node.__class__
        children = _CHILD_FIELDS.get(cls)
        if children is None:
            children = _node_children(node)
        visit = self.visit
        changed = None
        for name in children:
            value = getattr(node, name)
            if isinstance(value, _NODE_TYPES):
                new = visit(value)
            elif isinstance(value, tuple) and value:
                new = value
                for i, item in enumerate(value):
                    if isinstance(item, _NODE_TYPES):
                        result = visit(item)
                        if result is not item:
                            if new is value:
                                new = list(value)
                            new[i] = result
                if new is value:
                    continue
                new = tuple(new)
            else:
                continue
            if new is not value:
                if changed is None:
                    changed = {}
                changed[name] = new
        if changed is None:
            return node
        return cls(*[changed[name] if name in changed else getattr(node, name)
                     for name in _init_fields(cls)])     # init fields, in order


class StmtMutator(IRMutator):
    """An :class:`IRMutator` of statements: expressions and ranges are returned as
    they are, unvisited. For passes that rewrite loops and other statements and
    handle no expression: expressions hold no statements, so walking them (most of
    a kernel's nodes) would only give the same objects back."""

    def visit(self, node):
        if isinstance(node, (PrimExpr, Range)):
            return node
        return _Dispatcher.visit(self, node)


class _Substituter(IRMutator):
    def __init__(self, mapping):
        self.mapping = mapping

    def visit_Var(self, var):
        return self.mapping.get(var, var)


def substitute(node, mapping):
    """``node`` with each variable in ``mapping`` replaced by its expression."""
    if not mapping:
        return node
    return _Substituter(mapping).visit(node)


class _Replacer(IRMutator):
    def __init__(self, var, value, containing):
        self.var, self.value, self.containing = var, value, containing

    def visit(self, node):
        if id(node) not in self.containing:
            return node
        if node is self.var:
            return self.value
        return _Dispatcher.visit(self, node)


def substitute_each(node, var, values):
    """``[substitute(node, {var: v}) for v in values]`` (an unrolled loop's copies of
    its body), each copy walking only the nodes that contain ``var``: the nodes
    without it are the same objects in every copy, found by one walk."""
    containing = set()
    _find_containing(node, var, containing)
    return [_Replacer(var, value, containing).visit(node) for value in values]


def _find_containing(node, var, containing):
    """Whether ``node`` is or holds ``var``; adds the ids of such nodes to ``containing``."""
    found = node is var
    children = _CHILD_FIELDS.get(node.__class__)
    if children is None:
        children = _node_children(node)
    for name in children:
        value = getattr(node, name)
        if isinstance(value, _NODE_TYPES):
            found = _find_containing(value, var, containing) or found
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, _NODE_TYPES):
                    found = _find_containing(item, var, containing) or found
    if found:
        containing.add(id(node))
    return found


def _post_order(node, fn):
    children = _CHILD_FIELDS.get(node.__class__)
    if children is None:
        children = _child_fields(node.__class__)
    for name in children:
        value = getattr(node, name)
        if isinstance(value, _NODE_TYPES):
            _post_order(value, fn)
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, _NODE_TYPES):
                    _post_order(item, fn)
    fn(node)


def post_order_visit(node, fn):
    """Call ``fn`` on every node below and including ``node``, children first.

    A plain recursive walk over each class's child fields (what IRVisitor's
    generic_visit does, without the per-node dispatch): whole-function walks run
    several times per build (captures, written buffers, scope checks). A module
    function, not a closure: a closure that calls itself is a reference cycle that
    kept each walk's ``fn`` (and what it collected) alive until the cycle collector
    ran, 30 KiB of RSS a build."""
    if not _is_node(node):
        raise InternalError(f"IRVisitor: no handler for {type(node).__name__}")
    _post_order(node, fn)


def collect(node, predicate):
    """All nodes below ``node`` for which ``predicate`` holds, in post order.

    ``predicate`` may also be a node class or a tuple of them (the nodes that are
    instances): no Python call per node, and when every class is a statement the
    walk skips expressions, which hold no statements (a kernel's tree is mostly
    index and value expressions)."""
    found = []
    if isinstance(predicate, (type, tuple)):
        if not _is_node(node):
            raise InternalError(f"IRVisitor: no handler for {type(node).__name__}")
        classes = predicate if isinstance(predicate, tuple) else (predicate,)
        if all(issubclass(c, Stmt) for c in classes):
            if isinstance(node, Stmt):
                _instances_of(node, classes, found, Stmt)
        else:
            _instances_of(node, classes, found)
        return found
    post_order_visit(node, lambda n: found.append(n) if predicate(n) else None)
    return found


def _instances_of(node, classes, found, kinds=_NODE_TYPES):
    """Append to ``found`` the instances of ``classes`` below ``node``, in post order,
    descending only into children that are ``kinds`` (statements alone: expressions
    hold no statements)."""
    children = _CHILD_FIELDS.get(node.__class__)
    if children is None:
        children = _child_fields(node.__class__)
    for name in children:
        value = getattr(node, name)
        if isinstance(value, kinds):
            _instances_of(value, classes, found, kinds)
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, kinds):
                    _instances_of(item, classes, found, kinds)
    if isinstance(node, classes):
        found.append(node)


def free_vars(node):
    """The set of variables that appear in ``node``."""
    return {n for n in collect(node, Var)}


class _UsesVar(IRVisitor):
    def __init__(self, variables):
        self.variables = variables
        self.found = False

    def visit_Var(self, var):
        if var in self.variables:
            self.found = True


def uses_var(node, variables):
    """Whether any variable of the set ``variables`` appears in ``node``."""
    finder = _UsesVar(variables)
    finder.visit(node)
    return finder.found


def structural_equal(a, b):
    """Whether two trees have the same structure (variables compared by identity)."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(structural_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, (Var, IterVar, CommReducer)) or not _is_node(a):
        if isinstance(a, (int, float, str)) or a is None:
            return a == b
        return False
    if getattr(a, "dtype", None) != getattr(b, "dtype", None):
        return False
    return all(structural_equal(getattr(a, n), getattr(b, n)) for n in _init_fields(type(a)))

"""The one dispatch on node classes, shared by every visitor, mutator, printer,
analysis and code generator: a handler is the method ``<prefix><NodeClass>``
(``visit_Add``, ``expr_Add``, ``b_Add``...), looked up once per class."""

#: The attribute of a dispatching class holding its table {(prefix, node class):
#: function or None}; kept in the class itself (its own ``__dict__``, never a base
#: class's), so a visitor class defined inside a function goes with its table. A
#: global weak-keyed table cost a WeakKeyDictionary lookup per visited node, a
#: tenth of lowering a GEMM.
_TABLE = "_tecomp_dispatch_table"

#: The same for the prefix ``visit_`` alone, keyed by the node class only: the table
#: that ``IRVisitor.visit``/``IRMutator.visit`` consult once per visited node.
_VISIT_TABLE = "_tecomp_visit_table"


def dispatch(obj, node, prefix="visit_"):
    """The function ``<prefix><NodeClass>`` of ``obj``'s class (unbound), or None;
    looked up once per (class, prefix, node class)."""
    cls = obj.__class__
    table = cls.__dict__.get(_TABLE)
    if table is None:
        table = {}
        setattr(cls, _TABLE, table)
    key = (prefix, node.__class__)
    try:
        return table[key]
    except KeyError:
        fn = table[key] = getattr(cls, prefix + node.__class__.__name__, None)
        return fn


def visit_table(obj):
    """The ``{node class: visit_<NodeClass> function or None}`` table of ``obj``'s
    class (its own ``__dict__``), created empty if it has none; filled by the caller
    from :func:`dispatch`."""
    cls = obj.__class__
    table = cls.__dict__.get(_VISIT_TABLE)
    if table is None:
        table = {}
        setattr(cls, _VISIT_TABLE, table)
    return table


def visit_handler(obj, node):
    """``dispatch(obj, node)`` (the prefix ``visit_``) through the table of
    :func:`visit_table`: one dictionary lookup per node once the class is known."""
    table = obj.__class__.__dict__.get(_VISIT_TABLE)
    if table is None:
        table = visit_table(obj)
    try:
        return table[node.__class__]
    except KeyError:
        fn = table[node.__class__] = dispatch(obj, node)
        return fn


class Dispatcher:
    """The one dispatch on node classes: every visitor, mutator, printer, analysis
    and code generator derives from it and finds its handler for a node with
    ``self.handler(node, prefix)`` (``visit_Add``, ``expr_Add``, ``b_Add``...)."""

    def handler(self, node, prefix="visit_"):
        """The bound method ``<prefix><NodeClass>``, or None."""
        fn = dispatch(self, node, prefix)
        return None if fn is None else fn.__get__(self)

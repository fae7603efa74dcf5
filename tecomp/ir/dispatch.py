"""The one dispatch on node classes, shared by every visitor, mutator, printer,
analysis and code generator: a handler is the method ``<prefix><NodeClass>``
(``visit_Add``, ``expr_Add``, ``b_Add``...), looked up once per class."""

import weakref

# dispatching class -> {(prefix, node class): function or None}; weak, since
# passes define small visitor classes inside functions.
_DISPATCH = weakref.WeakKeyDictionary()


def dispatch(obj, node, prefix="visit_"):
    """The function ``<prefix><NodeClass>`` of ``obj``'s class (unbound), or None;
    looked up once per (class, prefix, node class)."""
    cls = obj.__class__
    table = _DISPATCH.get(cls)
    if table is None:
        table = _DISPATCH[cls] = {}
    key = (prefix, node.__class__)
    try:
        return table[key]
    except KeyError:
        fn = table[key] = getattr(cls, prefix + node.__class__.__name__, None)
        return fn


class Dispatcher:
    """The one dispatch on node classes: every visitor, mutator, printer, analysis
    and code generator derives from it and finds its handler for a node with
    ``self.handler(node, prefix)`` (``visit_Add``, ``expr_Add``, ``b_Add``...)."""

    def handler(self, node, prefix="visit_"):
        """The bound method ``<prefix><NodeClass>``, or None."""
        fn = dispatch(self, node, prefix)
        return None if fn is None else fn.__get__(self)

"""``graph_digest``: a SHA-256 of an object graph of tecomp's front end (a schedule,
its operations, expressions, iteration variables, argument list), taken before
lowering, for the compile cache (:mod:`.cache`).

The walk is generic, so that a field added to a schedule, stage or node class is
digested without anyone listing it here:

* ``None``, ``bool``, ``int``, ``float``, ``complex``, ``str`` and ``bytes`` are
  written with their type and ``repr``; numpy scalars and arrays with their
  dtype, shape and bytes;
* tuples and lists element by element; dicts item by item in insertion order (a
  program that inserts in another order gets another digest: a miss, never a
  wrong kernel); sets only when every element is one of the plain values above
  (sorted), since a set of objects iterates in an order that differs from one
  process to the next;
* an object whose class is defined in ``tecomp`` or ``codegen`` is numbered by
  identity, in visit order: its first visit writes its class and every attribute
  (dataclass fields, ``__slots__`` and ``__dict__``, by name), a later visit only
  its number. Two tensors of the same name but different identity therefore
  differ, and a variable used twice is the same variable in the digest;
* anything else (a function or lambda that lowering might call, a class, a
  module, an object of another library) makes the graph undigestable: there is no
  digest, and the caller does not cache by one.

Objects are numbered alike in every process that builds the same graph, so a
number names the same user object (a size variable, say) in each of them.

Attributes that only cache what other attributes determine (:data:`DERIVED`) are
skipped, so that lowering, which fills them, does not change the digest.
"""

import dataclasses
import enum
import hashlib

import numpy as np

#: class name -> attributes that cache a value derived from the others
DERIVED = {"ComputeOp": ("_inputs",)}

_PLAIN = (type(None), bool, int, float, complex, str, bytes)
_OUR_PACKAGES = ("tecomp", "codegen")


class _Undigestable(Exception):
    """The graph holds an object whose effect on lowering the digest cannot capture."""


def graph_digest(root):
    """``(hex SHA-256, objects)`` of the object graph reachable from ``root`` (see
    the module doc), ``objects`` being its numbered objects in order; ``None`` when
    some object cannot be digested."""
    walker = _Walker()
    try:
        walker.walk(root)
    except (_Undigestable, RecursionError):
        return None
    text = "\x00".join(walker.out).encode("utf-8", "surrogatepass")
    return hashlib.sha256(text).hexdigest(), [obj for _, obj in walker.numbers.values()]


_ATTRIBUTES = {}    # class -> (names of its dataclass fields and slots, names to skip)


def _attributes(cls):
    known = _ATTRIBUTES.get(cls)
    if known is None:
        found = []
        if dataclasses.is_dataclass(cls):
            found += [f.name for f in dataclasses.fields(cls)]
        skip = {"__weakref__", "__dict__"}
        for klass in cls.__mro__:
            slots = klass.__dict__.get("__slots__", ())
            found += [slots] if isinstance(slots, str) else list(slots)
            skip.update(DERIVED.get(klass.__name__, ()))
        names = tuple(dict.fromkeys(n for n in found if n not in skip))
        known = _ATTRIBUTES[cls] = (names, frozenset(skip))
    return known


def _ours(cls):
    return cls.__module__.partition(".")[0] in _OUR_PACKAGES


class _Walker:
    def __init__(self):
        self.out = []
        self.numbers = {}   # id -> (number, object): the object is kept alive, so is its id

    def walk(self, x):
        out, cls = self.out, type(x)
        if cls in _PLAIN:
            out.append(f"{cls.__name__}:{x!r}")
        elif cls is tuple or cls is list:
            out.append(f"{cls.__name__}({len(x)}")
            for item in x:
                self.walk(item)
            out.append(")")
        elif cls is dict:
            out.append(f"dict({len(x)}")
            for key, value in x.items():
                self.walk(key)
                self.walk(value)
            out.append(")")
        elif cls is set or cls is frozenset:
            if not all(type(item) in _PLAIN for item in x):
                raise _Undigestable("a set of objects (its order differs between processes)")
            out.append(f"set({len(x)}")
            out += sorted(f"{type(item).__name__}:{item!r}" for item in x)
            out.append(")")
        elif isinstance(x, enum.Enum) and _ours(cls):
            out.append(f"{cls.__qualname__}.{x.name}")
        elif isinstance(x, (np.ndarray, np.generic)):
            a = np.ascontiguousarray(x)
            out.append(f"ndarray:{a.dtype.str}:{a.shape}:{a.tobytes().hex()}")
        elif _ours(cls) and not isinstance(x, type):
            self._object(x, cls)
        else:
            raise _Undigestable(f"{cls.__module__}.{cls.__qualname__} object {x!r:.80}")

    def _object(self, x, cls):
        known = self.numbers.get(id(x))
        if known is not None:
            self.out.append(f"#{known[0]}")
            return
        number = len(self.numbers)
        self.numbers[id(x)] = (number, x)
        self.out.append(f"@{number}:{cls.__module__}.{cls.__qualname__}")
        names, skip = _attributes(cls)
        extra = getattr(x, "__dict__", None)
        if extra:
            names = names + tuple(sorted(n for n in extra if n not in names and n not in skip))
        for name in names:
            try:
                value = getattr(x, name)
            except AttributeError:      # an unset slot
                self.out.append(f".{name}=<unset>")
                continue
            self.out.append(f".{name}")
            self.walk(value)
        self.out.append("/")

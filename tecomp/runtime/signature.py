"""A compiled function's calling signature, without its body.

A :class:`Signature` is what the runtime needs to check and make a call: the
function name, its parameters in order (:class:`~tecomp.ir.Buffer` objects with
their shapes, scalar :class:`~tecomp.ir.Var` objects), which buffers it writes,
and the messages of its nonzero return codes. It comes from a lowered PrimFunc
(:meth:`from_func`) or from the JSON metadata embedded in an exported library
(:meth:`from_json`), so ``build`` and ``load_module`` give the same checked call.

Extents serialize as small JSON trees: ``["var", i]`` (the i-th entry of the
function's variable table), ``["int", value]``, ``["Cast", dtype, x]`` and
``[op, a, b]`` for the integer binary ops of :data:`BINARY_OPS`.
"""

from tecomp import ir
from tecomp.errors import BuildError
from tecomp.ir import Buffer, Cast, IntImm, Var

from tecomp.abi import abi_vars, written_buffers

BINARY_OPS = ("Add", "Sub", "Mul", "FloorDiv", "FloorMod", "Div", "Mod", "Min", "Max")


class Signature:
    """``name``, ``params`` (Buffers and Vars), ``written`` buffers, ``messages``, and
    ``aliases``: ``(output, input)`` buffer pairs a call may pass as one array
    (:mod:`tecomp.schedule.inplace`)."""

    __slots__ = ("name", "params", "written", "messages", "aliases")

    def __init__(self, name, params, written, messages=(), aliases=()):
        self.name, self.params = name, tuple(params)
        self.written, self.messages = tuple(written), tuple(messages)
        self.aliases = tuple(aliases)

    @staticmethod
    def from_func(func, messages=()):
        return Signature(func.name, func.params, written_buffers(func), messages,
                         getattr(func, "attrs", {}).get("pointwise_aliases", ()))

    @property
    def buffer_params(self):
        return tuple(p for p in self.params if isinstance(p, Buffer))

    @property
    def scalar_params(self):
        return tuple(p for p in self.params if isinstance(p, Var))

    @property
    def abi_vars(self):
        return abi_vars(self)

    # ------------------------------------------------------------ JSON

    def to_json(self, numbers=None):
        """The JSON form; ``numbers`` (``id(var) -> int``, optional) adds under
        ``"objects"`` the number of each variable that has one (the compile cache
        names the user's variables so)."""
        variables = []

        def var_index(v):
            for i, known in enumerate(variables):
                if known is v:
                    return i
            variables.append(v)
            return len(variables) - 1

        def extent(e):
            if isinstance(e, IntImm):
                return ["int", e.value]
            if isinstance(e, Var):
                return ["var", var_index(e)]
            if isinstance(e, Cast):
                return ["Cast", e.dtype, extent(e.value)]
            kind = type(e).__name__
            if kind in BINARY_OPS:
                return [kind, extent(e.a), extent(e.b)]
            raise BuildError(f"{self.name}: the extent `{e}` cannot be described in the "
                             "library's metadata")

        params = []
        for p in self.params:
            if isinstance(p, Buffer):
                params.append({"buffer": p.name, "dtype": p.dtype,
                               "shape": [extent(e) for e in p.shape],
                               "written": p in self.written})
            else:
                params.append({"var": var_index(p)})
        out = {"name": self.name, "params": params,
               "vars": [{"name": v.name, "dtype": v.dtype} for v in variables],
               "abi_vars": [var_index(v) for v in self.abi_vars],
               "messages": list(self.messages),
               "aliases": [[self.params.index(o), self.params.index(i)]
                           for o, i in self.aliases]}
        if numbers is not None:
            out["objects"] = [numbers.get(id(v)) for v in variables]
        return out

    @staticmethod
    def from_json(data, objects=None):
        """The Signature of ``data`` (:meth:`to_json`); with ``objects``, a variable
        numbered in ``data["objects"]`` is ``objects[number]`` (when that is a
        variable of the same name and dtype), else a new one."""
        numbered = data.get("objects") if objects is not None else None

        def variable(i, v):
            n = numbered[i] if numbered else None
            known = objects[n] if isinstance(n, int) and 0 <= n < len(objects) else None
            if isinstance(known, Var) and known.name == v["name"] and known.dtype == v["dtype"]:
                return known
            return Var(v["name"], v["dtype"])

        variables = [variable(i, v) for i, v in enumerate(data["vars"])]

        def extent(e):
            kind = e[0]
            if kind == "int":
                return IntImm("int64", int(e[1]))
            if kind == "var":
                return variables[e[1]]
            if kind == "Cast":
                return Cast(e[1], extent(e[2]))
            if kind in BINARY_OPS:
                return getattr(ir, kind)(extent(e[1]), extent(e[2]))
            raise ValueError(f"unknown extent node {kind!r}")

        params, written = [], []
        for p in data["params"]:
            if "buffer" in p:
                buf = Buffer(p["buffer"], p["dtype"], tuple(extent(e) for e in p["shape"]))
                params.append(buf)
                if p["written"]:
                    written.append(buf)
            else:
                params.append(variables[p["var"]])
        aliases = [(params[o], params[i]) for o, i in data.get("aliases", ())]
        sig = Signature(data["name"], params, written, data.get("messages", ()), aliases)
        order = [variables[i] for i in data["abi_vars"]]
        if len(order) != len(sig.abi_vars) or any(a is not b for a, b in zip(order, sig.abi_vars)):
            raise ValueError(f"{sig.name}: the metadata's scalar argument order disagrees "
                             "with this tecomp's ABI")
        return sig

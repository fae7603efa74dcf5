"""Configuration spaces: what a template declares, and one point of it.

A template runs twice in two roles. While a task is created it runs with a
:class:`ConfigSpace`, which *collects* every ``cfg.define_*`` call into a knob
(and answers ``cfg["tile_x"]`` with the knob's first choice, so the template
can finish). While tuning or applying a log it runs with a
:class:`ConfigEntity`, one point of that space, whose ``define_*`` calls only
return the axes and whose ``cfg["tile_x"]`` is the chosen entity. Points are
numbered in mixed radix over the knobs in definition order, as in AutoTVM, so
an index in a log means the same configuration on every machine.
"""

from collections import OrderedDict

from ..errors import InstantiationError, ScheduleError
from .knobs import (ENTITY_KINDS, AnnotateSpace, KnobEntity, KnobSpace, ReorderSpace,
                    SplitEntity, SplitSpace, VirtualAxis, get_factors)


class ConfigSpace:
    """The knobs of a template and their choices (``len(space)`` points)."""

    def __init__(self):
        self.space_map = OrderedDict()       # name -> Space
        self._entity_map = OrderedDict()     # name -> the chosen entity
        self._collect = True
        self.errors = []
        self.flop = 0
        self.code_hash = None
        self.is_fallback = False

    @staticmethod
    def axis(var):
        """A stand-in axis of a given length (an int or an iter var)."""
        return VirtualAxis(var)

    reduce_axis = axis

    def define_split(self, name, axis, policy="factors", **kwargs):
        """A knob that splits ``axis`` into ``num_outputs`` parts (see
        :class:`~.knobs.SplitSpace` for the policies)."""
        return self._define(name, SplitSpace, [axis], policy=policy, **kwargs)

    def define_reorder(self, name, axes, policy, **kwargs):
        """A knob that orders ``axes`` (see :class:`~.knobs.ReorderSpace`)."""
        return self._define(name, ReorderSpace, axes, policy=policy, **kwargs)

    def define_annotate(self, name, axes, policy, **kwargs):
        """A knob that annotates ``axes`` (see :class:`~.knobs.AnnotateSpace`)."""
        return self._define(name, AnnotateSpace, axes, policy=policy, **kwargs)

    def define_knob(self, name, candidate):
        """A knob that takes one of the values in ``candidate``."""
        if not self._collect or (self.is_fallback and name in self._entity_map):
            return
        self._add(name, KnobSpace(list(candidate)))

    def _define(self, name, space_class, axes, **kwargs):
        if self._collect and not (self.is_fallback and name in self._entity_map):
            axes = [a if isinstance(a, VirtualAxis) else VirtualAxis(a) for a in axes]
            self._add(name, space_class(axes, **kwargs))

    def _add(self, name, space):
        if name in self.space_map:
            raise ScheduleError(f"autotvm: knob {name!r} is defined twice in one template")
        self.space_map[name] = space
        self._entity_map[name] = space[0]

    def add_flop(self, flop):
        """Add ``flop`` floating-point operations to the count used for GFLOP/s."""
        self.flop += flop

    def raise_error(self, msg):
        """Mark this configuration invalid: the tuner records it as an error."""
        self.errors.append(msg)
        raise InstantiationError(msg)

    def valid(self):
        return not self.errors

    def __len__(self):
        total = 1
        for space in self.space_map.values():
            total *= len(space)
        return total

    def get(self, index):
        """The configuration number ``index`` of this space."""
        if not 0 <= index < len(self):
            raise IndexError(f"config index {index} out of range: the space has {len(self)} points")
        entities, rest = OrderedDict(), index
        for name, space in self.space_map.items():
            entities[name] = space[rest % len(space)]
            rest //= len(space)
        return ConfigEntity(index, entities, self.code_hash)

    def knob_radix(self):
        """Each knob's number of choices, in definition order."""
        return [len(s) for s in self.space_map.values()]

    def __iter__(self):
        return iter(self._entity_map)

    def __getitem__(self, name):
        try:
            return self._entity_map[name]
        except KeyError:
            raise ScheduleError(f"autotvm: no knob named {name!r}; knobs: "
                                f"{', '.join(self._entity_map) or '(none)'}") from None

    def __repr__(self):
        lines = [f"ConfigSpace (len={len(self)}, space_map="]
        lines += [f"  {i:2d} {name}: {space}" for i, (name, space) in
                  enumerate(self.space_map.items())]
        return "\n".join(lines) + "\n)"


class ConfigEntity(ConfigSpace):
    """One point of a space: ``index`` and the chosen entity of each knob."""

    def __init__(self, index, entity_map, code_hash=None):
        super().__init__()
        self.index = index
        self._entity_map = OrderedDict(entity_map)
        self._collect = False
        self.code_hash = code_hash

    def get_flatten_feature(self):
        """The configuration as numbers, for cost models: split sizes,
        permutations, one-hot annotations, numeric knob values."""
        import numpy as np
        features = []
        for entity in self._entity_map.values():
            if entity.kind == "an":
                for ann in entity.anns:
                    features += [float(ann == a) for a in _ANNOTATION_CODES]
            elif entity.kind == "ot":
                val = entity.val
                features.append(float(val) if isinstance(val, (int, float)) else float(hash(val) % 997))
            else:
                features += [float(v) for v in entity.value]
        return np.array(features, dtype="float32")

    def get_other_option(self):
        return {k: e.val for k, e in self._entity_map.items() if isinstance(e, KnobEntity)}

    def to_json_dict(self):
        return {"index": int(self.index), "code_hash": self.code_hash,
                "entity": [[k, e.kind, e.value] for k, e in self._entity_map.items()]}

    @staticmethod
    def from_json_dict(data):
        entities = OrderedDict()
        for key, kind, value in data["entity"]:
            if kind not in ENTITY_KINDS:
                raise ValueError(f"unknown knob kind {kind!r} in a tuning record")
            entities[str(key)] = ENTITY_KINDS[kind](value)
        return ConfigEntity(data["index"], entities, data.get("code_hash"))

    def __repr__(self):
        knobs = ", ".join(f"{k}: {e!r}" for k, e in self._entity_map.items())
        return f"[{knobs}],{self.code_hash},{self.index}"


_ANNOTATION_CODES = ("none", "vec", "unroll", "parallel", "blockIdx.x", "blockIdx.y",
                     "blockIdx.z", "threadIdx.x", "threadIdx.y", "threadIdx.z", "vthread")


class FallbackConfigEntity(ConfigSpace):
    """The configuration used when no log has one for a workload: each knob's
    first choice, unless the template sets a better default with
    :meth:`fallback_split` or ``cfg["name"] = entity`` before defining it."""

    def __init__(self):
        super().__init__()
        self.is_fallback = True

    def fallback_split(self, name, constraints):
        """Choose the split of knob ``name`` whose parts are the largest divisors
        within ``constraints`` (one bound per part, -1: none), innermost first."""
        space = self.space_map[name]
        if not isinstance(space, SplitSpace) or len(constraints) != space.num_outputs:
            raise ScheduleError(f"fallback_split({name!r}): needs a split knob and "
                                f"{getattr(space, 'num_outputs', '?')} constraints")
        size, rest = [0] * space.num_outputs, space.product
        for i in reversed(range(space.num_outputs)):
            bound = constraints[i] if constraints[i] != -1 else rest
            size[i] = max(f for f in get_factors(rest) if f <= bound)
            rest //= size[i]
        size[0] *= rest
        self._entity_map[name] = SplitEntity(size)

    def __setitem__(self, name, entity):
        self._entity_map[name] = entity

    def __repr__(self):
        knobs = ", ".join(f"{k}: {e!r}" for k, e in self._entity_map.items())
        return f"[{knobs}],{self.code_hash} (fallback)"

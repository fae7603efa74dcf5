"""The knobs of a tuning space: what ``cfg.define_*`` declares, and what one
configuration chooses for it.

Each knob is a *space* (every choice, in a fixed order) and an *entity* (one
choice, which a template applies to its schedule), as in AutoTVM:

========================  =====================  ==========================
``cfg.define_split``      :class:`SplitSpace`    :class:`SplitEntity` ``.size``
``cfg.define_reorder``    :class:`ReorderSpace`  :class:`ReorderEntity` ``.perm``
``cfg.define_annotate``   :class:`AnnotateSpace` :class:`AnnotateEntity` ``.anns``
``cfg.define_knob``       :class:`KnobSpace`     :class:`KnobEntity` ``.val``
========================  =====================  ==========================

A split entity lists the extent of every axis it makes, outermost first; the
first may be -1 ("whatever remains"), so ``[-1, 8, 4]`` applied to an axis of
128 gives extents 4, 8, 4.
"""

import itertools

from ..errors import ScheduleError
from ..te import thread_axis


def get_factors(n):
    """The divisors of ``n`` in increasing order."""
    small = [d for d in range(1, int(n ** 0.5) + 1) if n % d == 0]
    return sorted(set(small + [n // d for d in small]))


def get_pow2s(n):
    """Powers of two up to the first one that covers ``n`` (1, 2, 4, ... >= n)."""
    out = [1]
    while out[-1] < n:
        out.append(out[-1] * 2)
    return out


def axis_length(axis):
    """The constant extent of an iter var, or an int as it is."""
    if isinstance(axis, int):
        return axis
    if isinstance(axis, VirtualAxis):
        return axis.length
    extent = getattr(getattr(axis, "dom", None), "extent", None)
    value = getattr(extent, "value", None)
    if not isinstance(value, int):
        name = getattr(getattr(axis, "var", None), "name", axis)
        raise ScheduleError(f"autotvm: axis '{name}' needs a constant extent to be tuned, "
                            f"got {extent}")
    return value


class VirtualAxis:
    """An axis a knob is defined on: its length only (``cfg.axis(128)``)."""

    def __init__(self, axis, name=None):
        self.length = axis_length(axis)
        self.name = name or getattr(getattr(axis, "var", None), "name", f"axis{self.length}")

    def __repr__(self):
        return f"{self.name}({self.length})"


class Space:
    """Every choice of one knob, in a fixed order (``space[i]``, ``len(space)``)."""

    kind = ""          # the tag of this knob in a log record

    def __init__(self, entities):
        if not entities:
            raise ScheduleError(f"autotvm: {type(self).__name__} has no choice left "
                                "(a filter or max_factor removed every candidate)")
        self.entities = entities

    def __len__(self):
        return len(self.entities)

    def __getitem__(self, index):
        return self.entities[index]

    def __repr__(self):
        return f"{type(self).__name__}(len={len(self)})"


class SplitEntity:
    """One way to split an axis: ``size`` holds each part's extent, outermost first."""

    kind = "sp"

    def __init__(self, size):
        self.size = list(size)

    @property
    def value(self):
        return self.size

    def apply(self, sch, op, axis):
        """Split ``axis`` of ``sch[op]`` into ``len(size)`` axes; returns them outermost first."""
        parts = []
        for i in range(1, len(self.size)):
            factor = 1
            for extent in self.size[i:]:
                factor *= extent
            outer, axis = sch[op].split(axis, factor=factor)
            parts.append(outer)
        return parts + [axis]

    def __repr__(self):
        return str(self.size)


class SplitSpace(Space):
    """Splits of one axis into ``num_outputs`` parts.

    ``policy``: ``"factors"`` (divisors: no tail), ``"power2"`` (powers of two,
    tails allowed), ``"verbose"`` (both) or ``"candidate"`` (the list given as
    ``candidate=``). ``max_factor`` bounds the inner extents, ``filter`` keeps
    the entities it returns True for, ``no_tail`` forces exact products."""

    kind = "sp"

    def __init__(self, axes, policy="factors", num_outputs=2, max_factor=1 << 31,
                 filter=None, candidate=None, no_tail=None):  # noqa: A002 (AutoTVM's keyword)
        self.product = axes[0].length
        self.num_outputs = num_outputs
        self.policy = policy
        if num_outputs < 1:
            raise ScheduleError(f"define_split: num_outputs must be >= 1, got {num_outputs}")
        if policy == "candidate":
            entities = [SplitEntity(size) for size in candidate or ()]
            bad = [e.size for e in entities if len(e.size) != num_outputs]
            if bad:
                raise ScheduleError(f"define_split: candidate {bad[0]} does not have "
                                    f"num_outputs={num_outputs} entries")
        else:
            choices = {"factors": get_factors(self.product), "power2": get_pow2s(self.product),
                       "verbose": sorted(set(get_factors(self.product)) |
                                         set(get_pow2s(self.product)))}
            if policy not in choices:
                raise ScheduleError(f"define_split: unknown policy {policy!r}; valid: "
                                    "'factors', 'power2', 'verbose', 'candidate'")
            factors = [f for f in choices[policy] if f <= max_factor]
            exact = policy == "factors" if no_tail is None else no_tail
            entities = []
            for inner in itertools.product(factors, repeat=num_outputs - 1):
                prod = 1
                for f in inner:
                    prod *= f
                if prod > self.product or (exact and self.product % prod):
                    continue
                entities.append(SplitEntity([-1] + list(reversed(inner))))
        if filter is not None:
            entities = [e for e in entities if filter(e)]
        super().__init__(entities)

    def __repr__(self):
        return (f"Split(policy={self.policy}, product={self.product}, "
                f"num_outputs={self.num_outputs}) len={len(self)}")


class ReorderEntity:
    """One order of a list of axes: ``perm[i]`` is the index of the i-th axis."""

    kind = "re"

    def __init__(self, perm):
        self.perm = list(perm)

    @property
    def value(self):
        return self.perm

    def apply(self, sch, op, axes):
        """Reorder ``axes`` of ``sch[op]`` by ``perm``; returns them in the new order."""
        ordered = [axes[i] for i in self.perm]
        sch[op].reorder(*ordered)
        return ordered

    def __repr__(self):
        return str(self.perm)


class ReorderSpace(Space):
    """Orders of a list of axes. ``policy``: ``"identity"``, ``"all"`` (every
    permutation), ``"interval_all"`` (every permutation of ``interval=(b, e)``),
    ``"candidate"`` (lists of the axes given as ``candidate=``)."""

    kind = "re"

    def __init__(self, axes, policy="identity", interval=None, candidate=None):
        self.policy = policy
        n = len(axes)
        if policy == "identity":
            perms = [range(n)]
        elif policy == "all":
            perms = itertools.permutations(range(n))
        elif policy == "interval_all":
            begin, end = interval
            perms = (tuple(range(begin)) + p + tuple(range(end, n))
                     for p in itertools.permutations(range(begin, end)))
        elif policy == "candidate":
            perms = [[_index_of(axes, a) for a in order] for order in candidate or ()]
        else:
            raise ScheduleError(f"define_reorder: unknown policy {policy!r}; valid: "
                                "'identity', 'all', 'interval_all', 'candidate'")
        super().__init__([ReorderEntity(p) for p in perms])

    def __repr__(self):
        return f"Reorder(policy={self.policy}) len={len(self)}"


def _index_of(axes, axis):
    for i, a in enumerate(axes):
        if a is axis or getattr(a, "source", None) is axis:
            return i
    raise ScheduleError(f"define_reorder: candidate axis {axis!r} is not among the axes given")


#: What each annotation does to the axis it names.
_ANNOTATIONS = {
    "none": lambda stage, axis: None,
    "unroll": lambda stage, axis: stage.unroll(axis),
    "vec": lambda stage, axis: stage.vectorize(axis),
    "parallel": lambda stage, axis: stage.parallel(axis),
}
_THREAD_TAGS = ("blockIdx.x", "blockIdx.y", "blockIdx.z", "threadIdx.x", "threadIdx.y",
                "threadIdx.z", "vthread")


class AnnotateEntity:
    """One annotation per axis: ``"none"``, ``"unroll"``, ``"vec"``, ``"parallel"``
    or a thread tag (``"threadIdx.x"`` ...)."""

    kind = "an"

    def __init__(self, anns):
        self.anns = list(anns)

    @property
    def value(self):
        return self.anns

    def apply(self, sch, op, axes, axis_lens=None, max_unroll=None, vec_size=None, cfg=None,
              source=None):
        """Annotate ``axes`` of ``sch[op]``; returns the axes. With ``source``
        (lists of cache tensors), ``anns`` are axis indices to compute each at."""
        stage = sch[op]
        if source is not None:
            for tensors, where in zip(source, self.anns):
                for t in tensors:
                    sch[t].compute_at(stage, axes[where])
            return axes
        for i, ann in enumerate(self.anns):
            if ann == "unroll" and max_unroll and axis_lens and axis_lens[i] > max_unroll:
                _reject(cfg, f"unrolling {axis_lens[i]} iterations exceeds max_unroll={max_unroll}")
            if ann == "vec" and vec_size and axis_lens and axis_lens[i] not in vec_size:
                _reject(cfg, f"{axis_lens[i]} lanes is not one of the vector sizes {vec_size}")
            if ann in _ANNOTATIONS:
                _ANNOTATIONS[ann](stage, axes[i])
            elif ann in _THREAD_TAGS:
                stage.bind(axes[i], thread_axis(ann))
            else:
                raise ScheduleError(f"autotvm: unknown annotation {ann!r}; valid: "
                                    f"{', '.join(list(_ANNOTATIONS) + list(_THREAD_TAGS))}")
        return axes

    def __repr__(self):
        return str(self.anns)


def _reject(cfg, message):
    if cfg is None:
        raise ScheduleError(f"autotvm: {message}")
    cfg.raise_error(message)


class AnnotateSpace(Space):
    """Annotations of a list of axes. ``policy`` joins choices per axis with
    ``_``: ``"unroll"``, ``"vec"``, ``"try_unroll"`` (none or unroll),
    ``"try_unroll_vec"`` (none, unroll or vec on each axis, at most one vec),
    ``"parallel"``...
    or ``"candidate"`` (lists given as ``candidate=``)."""

    kind = "an"

    def __init__(self, axes, policy, candidate=None):
        self.policy = policy
        if policy == "candidate":
            super().__init__([AnnotateEntity(c) for c in candidate or ()])
            return
        if policy == "locate_cache":
            super().__init__([AnnotateEntity([i]) for i in range(len(axes))])
            return
        words = policy.replace("try", "none").split("_")
        if any(w not in _ANNOTATIONS for w in words):
            raise ScheduleError(f"define_annotate: unknown policy {policy!r}; e.g. 'unroll', "
                                "'vec', 'try_unroll', 'try_unroll_vec', 'candidate'")
        # Every combination of the choices, with at most one vectorized axis (AutoTVM's rule).
        entities = [AnnotateEntity(c) for c in itertools.product(words, repeat=len(axes))
                    if c.count("vec") <= 1]
        super().__init__(entities)

    def __repr__(self):
        return f"Annotate(policy={self.policy}) len={len(self)}"


class KnobEntity:
    """One value of a ``define_knob`` knob: ``val``."""

    kind = "ot"

    def __init__(self, val):
        self.val = val

    @property
    def value(self):
        return self.val

    def __repr__(self):
        return repr(self.val)


class KnobSpace(Space):
    """The candidate values of ``cfg.define_knob(name, candidate)``."""

    kind = "ot"

    def __init__(self, candidate):
        super().__init__([KnobEntity(v) for v in candidate])

    def __repr__(self):
        return f"OtherOption({[e.val for e in self.entities]}) len={len(self)}"


#: Log tag -> entity class, for decoding records.
ENTITY_KINDS = {cls.kind: cls for cls in (SplitEntity, ReorderEntity, AnnotateEntity, KnobEntity)}

"""Schedules and stages. Primitives check their arguments at once and record
what they were asked; :mod:`tecomp.schedule.bound` and
:mod:`tecomp.schedule.schedule_ops` interpret the record when lowering."""

from ..errors import ScheduleError
from ..ir import IterVar, Var
from ..ir import dtype as dt
from ..ir import expr as E
from ..ir.expr import IterVarType
from ..ir.op import to_bool
from ..ir.stmt import ForKind
from ..te.extern import ExternOp
from ..te.scan import ScanOp
from ..te.tensor import ComputeOp, Operation, PlaceholderOp, Tensor, post_order
from ..te.tensor_intrin import TensorIntrin
from . import dataflow
from .loop_nest import print_loop_nest
from .relations import AttachType, Fuse, IterVarAttr, Split


def _names(ivs):
    return "[" + ", ".join(iv.var.name for iv in ivs) + "]"


class Stage:
    """How one operation is computed: its loops (leaf iter vars derived from the
    root axes by relations), their annotations, and where it is attached."""

    def __init__(self, op, schedule):
        self.op = op
        self.schedule = schedule
        root = tuple(op.axis) + tuple(op.reduce_axis)
        self.all_iter_vars = list(root)
        self.leaf_iter_vars = list(root)
        self.relations = []
        self.iter_var_attrs = {}
        self.attach_type = AttachType.ROOT
        self.attach_stage = None
        self.attach_ivar = None
        self.scope = ""
        self.is_output = False
        self.align_info = {}   # root axis index -> (factor, offset)
        # Set by cache_write / rfactor: the stage computes this body instead of
        # op.body, over these reduce axes (its op, and so its tensors, stay).
        self.body = op.body if isinstance(op, ComputeOp) else ()
        self.reduce_axes = tuple(op.reduce_axis)
        # Set by cache_read: reads of a tensor that go to its cache instead.
        self.read_redirect = {}
        self.store_predicate = None
        self.double_buffered = False

    def __repr__(self):
        return f"Stage({self.op.name}, leaf={_names(self.leaf_iter_vars)})"

    @property
    def root_iter_vars(self):
        return tuple(self.op.axis) + tuple(self.reduce_axes)

    def _reset_loops(self):
        root = self.root_iter_vars
        self.all_iter_vars = list(root)
        self.leaf_iter_vars = list(root)
        self.relations = []
        self.iter_var_attrs = {}

    # ------------------------------------------------------------ checks
    def _error(self, primitive, message):
        return ScheduleError(f"{primitive}({self.op.name}): {message}")

    def _check_compute(self, primitive):
        if isinstance(self.op, ExternOp):
            raise self._error(primitive, f"'{self.op.name}' is an extern stage (te.extern): it "
                                         "runs once at the root on whole arrays and has no loops "
                                         "to schedule")
        if isinstance(self.op, ScanOp):
            raise self._error(primitive, f"'{self.op.name}' is a scan; its time loop is not "
                                         "scheduled: schedule its init and update stages")
        if not isinstance(self.op, ComputeOp):
            raise self._error(primitive, f"'{self.op.name}' is a placeholder (an input); "
                                         "only compute stages can be scheduled")

    def _check_leaf(self, primitive, iv, what="axis"):
        self._check_compute(primitive)
        if isinstance(iv, Var):
            found = [x for x in self.leaf_iter_vars if x.var is iv]
            if found:
                return found[0]
        if not isinstance(iv, IterVar):
            raise self._error(primitive, f"{what} must be an IterVar (e.g. {self.op.name}.op.axis[0]"
                                         f"), got {iv!r}; leaf axes are {_names(self.leaf_iter_vars)}")
        if iv in self.leaf_iter_vars:
            return iv
        if iv in self.all_iter_vars:
            raise self._error(primitive, f"axis '{iv.var.name}' has already been split or fused; "
                                         f"leaf axes are {_names(self.leaf_iter_vars)}")
        owner = self.schedule._owner_of(iv) if self.schedule else None
        where = f" (it belongs to stage '{owner.op.name}')" if owner else ""
        raise self._error(primitive, f"axis '{iv.var.name}' is not an axis of stage "
                                     f"'{self.op.name}'{where}; leaf axes are "
                                     f"{_names(self.leaf_iter_vars)}")

    def _positive(self, primitive, name, value):
        if isinstance(value, bool) or not isinstance(value, (int, E.PrimExpr)):
            raise self._error(primitive, f"{name} must be a positive integer, got {value!r}")
        if isinstance(value, int) and value <= 0:
            raise self._error(primitive, f"{name} must be a positive integer, got {value}")
        if isinstance(value, E.PrimExpr):
            if not dt.is_integer(value.dtype):
                raise self._error(primitive, f"{name} must be an integer, got `{value}`")
        return E.const_index(value)

    # ------------------------------------------------------------ loop structure
    def split(self, parent, factor=None, nparts=None):
        """Split ``parent`` into ``(outer, inner)`` with ``inner`` of extent ``factor``
        (or ``outer`` of extent ``nparts``). TVM ``split``; Halide ``split``.

        Before: ``for i in [0, n)``; after: ``for i.outer in [0, ceil(n/f)): for
        i.inner in [0, f): i = i.outer*f + i.inner`` (guarded if f does not divide n).
        """
        parent = self._check_leaf("split", parent)
        if (factor is None) == (nparts is None):
            raise self._error("split", "give exactly one of factor= or nparts=")
        if factor is not None:
            factor = self._positive("split", "factor", factor)
        else:
            nparts = self._positive("split", "nparts", nparts)
        name = parent.var.name
        outer = IterVar(None, Var(f"{name}.outer"), parent.iter_type)
        inner = IterVar(None, Var(f"{name}.inner"), parent.iter_type)
        self.relations.append(Split(parent, outer, inner, factor, nparts))
        position = self.leaf_iter_vars.index(parent)
        self.leaf_iter_vars[position:position + 1] = [outer, inner]
        self.all_iter_vars += [outer, inner]
        return outer, inner

    def tile(self, x_parent, y_parent, x_factor, y_factor):
        """Split two axes and reorder to ``(x.outer, y.outer, x.inner, y.inner)``."""
        xo, xi = self.split(x_parent, factor=x_factor)
        yo, yi = self.split(y_parent, factor=y_factor)
        self.reorder(xo, yo, xi, yi)
        return xo, yo, xi, yi

    def fuse(self, *args):
        """Fuse adjacent axes (outermost first) into one. TVM ``fuse``; Halide ``fuse``.

        Before: ``for i in [0, a): for j in [0, b)``; after: ``for i.j.fused in [0, a*b):
        i = fused // b; j = fused % b``."""
        if len(args) == 1 and isinstance(args[0], (list, tuple)):
            args = tuple(args[0])
        if len(args) < 2:
            if len(args) == 1:
                return self._check_leaf("fuse", args[0])
            raise self._error("fuse", "needs at least two axes")
        ivs = [self._check_leaf("fuse", iv) for iv in args]
        if len(set(ivs)) != len(ivs):
            raise self._error("fuse", f"axes {_names(ivs)} contain duplicates")
        fused = ivs[0]
        for inner in ivs[1:]:
            outer = fused
            pos_outer = self.leaf_iter_vars.index(outer)
            pos_inner = self.leaf_iter_vars.index(inner)
            if pos_inner != pos_outer + 1:
                raise self._error("fuse", f"axes '{outer.var.name}' and '{inner.var.name}' are "
                                          f"not adjacent (outer first) in the loop order "
                                          f"{_names(self.leaf_iter_vars)}; reorder them first")
            if outer.iter_type != inner.iter_type:
                raise self._error("fuse", f"cannot fuse data-parallel and reduction axes "
                                          f"('{outer.var.name}', '{inner.var.name}')")
            fused = IterVar(None, Var(f"{outer.var.name}.{inner.var.name}.fused"), outer.iter_type)
            self.relations.append(Fuse(outer, inner, fused))
            self.leaf_iter_vars[pos_outer:pos_inner + 1] = [fused]
            self.all_iter_vars.append(fused)
        return fused

    def reorder(self, *args):
        """Put the given leaf axes in this order, in the positions they occupy.
        TVM ``reorder``; Halide ``reorder`` (which lists innermost first)."""
        if len(args) == 1 and isinstance(args[0], (list, tuple)):
            args = tuple(args[0])
        ivs = [self._check_leaf("reorder", iv) for iv in args]
        if len(set(ivs)) != len(ivs):
            dup = [iv.var.name for iv in ivs if ivs.count(iv) > 1][0]
            raise self._error("reorder", f"axis '{dup}' appears more than once in {_names(ivs)}")
        positions = sorted(self.leaf_iter_vars.index(iv) for iv in ivs)
        for position, iv in zip(positions, ivs):
            self.leaf_iter_vars[position] = iv

    # ------------------------------------------------------------ annotations
    def _annotate(self, primitive, iv, kind):
        iv = self._check_leaf(primitive, iv)
        attr = self.iter_var_attrs.setdefault(iv, IterVarAttr())
        if attr.bind_thread is not None:
            raise self._error(primitive, f"axis '{iv.var.name}' is bound to "
                                         f"{attr.bind_thread.thread_tag}")
        attr.kind = kind
        return iv

    def vectorize(self, iv):
        """Run ``iv``'s loop as SIMD lanes (a constant extent is required at lowering)."""
        self._annotate("vectorize", iv, ForKind.VECTORIZED)

    def unroll(self, iv):
        """Fully unroll ``iv``'s loop (constant extent)."""
        self._annotate("unroll", iv, ForKind.UNROLLED)

    def parallel(self, iv):
        """Run ``iv``'s iterations on parallel threads."""
        iv = self._check_leaf("parallel", iv)
        if iv.iter_type == IterVarType.COMM_REDUCE:
            raise self._error("parallel", f"axis '{iv.var.name}' is a reduction axis; "
                                          "parallel reduction needs rfactor first")
        self._annotate("parallel", iv, ForKind.PARALLEL)

    def bind(self, iv, thread_ivar):
        """Bind ``iv`` to a GPU thread index (``te.thread_axis("threadIdx.x")``)."""
        iv = self._check_leaf("bind", iv)
        if not isinstance(thread_ivar, IterVar) or thread_ivar.iter_type != IterVarType.THREAD_INDEX:
            raise self._error("bind", f"second argument must be a te.thread_axis, got {thread_ivar!r}")
        for other, attr in self.iter_var_attrs.items():
            if attr.bind_thread is thread_ivar and other is not iv:
                raise self._error("bind", f"thread axis '{thread_ivar.thread_tag}' is already bound to "
                                          f"'{other.var.name}' in this stage")
        attr = self.iter_var_attrs.setdefault(iv, IterVarAttr())
        attr.kind = ForKind.THREAD_BINDING
        attr.bind_thread = thread_ivar

    #: Pragmas the CPU pipeline acts on; any other would be silently ignored.
    PRAGMAS = ("unroll", "auto_unroll", "import_llvm")

    def pragma(self, iv, key, value=1):
        """Attach a pragma to ``iv``'s loop: ``"unroll"`` (or TVM's
        ``"auto_unroll"``) unrolls it, like :meth:`unroll`; ``"import_llvm"`` links
        the LLVM IR text ``value`` (``tvm.contrib.clang.create_llvm``'s result) into
        the module, so that calls in the loop (a tensorized micro-kernel) reach
        the functions it defines."""
        iv = self._check_leaf("pragma", iv)
        if key not in self.PRAGMAS:
            raise self._error("pragma", f"unknown pragma {key!r}; supported: "
                                        f"{', '.join(self.PRAGMAS)}")
        attr = self.iter_var_attrs.setdefault(iv, IterVarAttr())
        if key == "import_llvm":
            if not isinstance(value, str) or "define" not in value:
                raise self._error("pragma", f"'import_llvm' on axis '{iv.var.name}' needs LLVM "
                                            "IR text that defines functions "
                                            "(tvm.contrib.clang.create_llvm), got "
                                            f"{str(value)[:60]!r}")
            attr.pragmas = attr.pragmas + ((key, value),)
            return
        attr.kind = ForKind.UNROLLED

    def tensorize(self, iv, tensor_intrin):
        """Replace the loops from ``iv`` inward by the statements of a tensor
        intrinsic (``te.decl_tensor_intrin``); TVM ``tensorize``. Lowering checks that
        the intrinsic computes what those loops compute, and binds its declared
        buffers to the regions of this stage's tensors they cover.

        Before: ``for yi in [0, 16): for k in [0, 64): C[x, yo*16+yi] += A[x, k]*B[yo*16+yi, k]``;
        after: ``gemv_update(&C[x, yo*16], &A[x, 0], &B[yo*16, 0], 16, 64, 64)``."""
        iv = self._check_leaf("tensorize", iv)
        if not isinstance(tensor_intrin, TensorIntrin):
            raise self._error("tensorize", "second argument must be a tensor intrinsic "
                                           f"(te.decl_tensor_intrin), got {tensor_intrin!r}")
        for other, attr in self.iter_var_attrs.items():
            if attr.tensor_intrin is not None and other is not iv:
                raise self._error("tensorize", f"axis '{other.var.name}' is already tensorized; "
                                               "a stage has one tensorized loop")
        attr = self.iter_var_attrs.setdefault(iv, IterVarAttr())
        if attr.bind_thread is not None:
            raise self._error("tensorize", f"axis '{iv.var.name}' is bound to "
                                           f"{attr.bind_thread.thread_tag}")
        attr.tensor_intrin = tensor_intrin

    def prefetch(self, tensor, var, offset):
        """TVM's ``prefetch``: at the top of each iteration of ``var``'s loop, ask the
        CPU to fetch into its caches the region of ``tensor`` that iteration
        ``var + offset`` reads (``offset`` an integer, usually 1: the next
        iteration). The region is the one the loop's body reads, cut to the
        tensor's storage, and is fetched one cache line at a time
        (:mod:`tecomp.transform.inject_prefetch`, then
        :mod:`tecomp.transform.lower_prefetch` with the target's line size); a
        tensor the loop body also writes (a reduction's own output) is fetched
        for writing. A hint only: results are the same with or without it, and
        GPU code ignores it.

        Before: ``for ioi: for k: for ii: C[ioi*8 + ii, j] += ...``; after
        ``prefetch(C, ioi, 1)``: ``for ioi: prefetch(&C[(ioi + 1)*8 + r, j]) for each
        row r and line; for k: ...``."""
        var = self._check_leaf("prefetch", var)
        if not isinstance(tensor, Tensor):
            raise self._error("prefetch", f"first argument must be a tensor, got {tensor!r}")
        reads = list(self.op.input_tensors)
        reads += [t for t in dataflow.stage_reads(self.schedule, self) if t not in reads]
        if self.reduce_axes:         # a reduction's update reads its own output
            reads += [t for t in self.op.outputs if t not in reads]
        if tensor not in reads:
            read = ", ".join(t.name for t in reads) or "none"
            raise self._error("prefetch", f"stage '{self.op.name}' does not read tensor "
                                          f"'{tensor.name}' (it reads: {read}); prefetch a "
                                          "tensor the stage reads")
        if isinstance(offset, bool) or not isinstance(offset, (int, E.PrimExpr)) or \
                (isinstance(offset, E.PrimExpr) and not dt.is_integer(offset.dtype)):
            raise self._error("prefetch", f"offset must be an integer (iterations of "
                                          f"'{var.var.name}' ahead), got {offset!r}")
        attr = self.iter_var_attrs.setdefault(var, IterVarAttr())
        attr.prefetch = attr.prefetch + ((tensor, E.const_index(offset)),)

    def set_store_predicate(self, predicate):
        """Store the stage's results only where ``predicate`` holds (TVM
        ``set_store_predicate``), e.g. ``tx.var.equal(0)`` so that one thread of a
        cross-thread reduction writes the result. The computation still runs on
        every thread."""
        self._check_compute("set_store_predicate")
        if not isinstance(predicate, (E.PrimExpr, bool)):
            raise self._error("set_store_predicate", f"predicate must be a boolean "
                                                     f"expression, got {predicate!r}")
        self.store_predicate = to_bool(predicate)

    # ------------------------------------------------------------ attachment
    def compute_at(self, parent, ivar):
        """Compute this stage inside ``parent``'s loop ``ivar``, for just the region
        one iteration of that loop reads. TVM ``compute_at``; Halide ``compute_at``."""
        self._check_compute("compute_at")
        if not isinstance(parent, Stage):
            raise self._error("compute_at", f"first argument must be a stage (s[T]), got {parent!r}")
        if parent is self:
            raise self._error("compute_at", "cannot attach a stage to itself")
        if self.is_output:
            raise self._error("compute_at", f"'{self.op.name}' is an output of the schedule; "
                                            "outputs are computed at the root")
        ivar = parent._check_leaf("compute_at", ivar)
        stage = parent
        while stage is not None:
            if stage.attach_stage is self:
                raise self._error("compute_at", f"cycle: '{parent.op.name}' is itself computed "
                                                f"at '{self.op.name}'")
            stage = stage.attach_stage
        self.attach_type = AttachType.SCOPE
        self.attach_stage = parent
        self.attach_ivar = ivar

    def compute_inline(self):
        """Substitute this stage's expression into its consumers; it gets no loops
        or storage. TVM ``compute_inline``; Halide's default."""
        self._check_compute("compute_inline")
        if self.is_output:
            raise self._error("compute_inline", f"'{self.op.name}' is an output; outputs "
                                                "cannot be inlined")
        if self.reduce_axes:
            raise self._error("compute_inline", f"'{self.op.name}' is a reduction; only "
                                                "elementwise stages can be inlined")
        self.attach_type = AttachType.INLINE
        self.attach_stage = self.attach_ivar = None

    def compute_root(self):
        """Compute this stage in full, at the top of the function."""
        self._check_compute("compute_root")
        self.attach_type = AttachType.ROOT
        self.attach_stage = self.attach_ivar = None

    def set_scope(self, scope):
        """Storage scope of this stage's buffer: "global", "shared" or "local"."""
        if scope not in ("global", "shared", "local", ""):
            raise self._error("set_scope", f"unknown scope {scope!r}; use 'global', "
                                           "'shared' or 'local'")
        self.scope = scope

    def double_buffer(self):
        """TVM's ``double_buffer``: this stage's buffer (typically a shared tile
        computed at a serial loop of its reader) gets two copies, and the tile of
        the next iteration is filled while the current one is used, with one
        barrier per iteration (:mod:`tecomp.transform.inject_double_buffer`)."""
        self._check_compute("double_buffer")
        if self.is_output:
            raise self._error("double_buffer", f"'{self.op.name}' is an output; double "
                              "buffering is for a cache computed at a loop of its reader")
        self.double_buffered = True

    def storage_align(self, axis, factor, offset):
        """Pad ``axis``' stride to ``factor * k + offset`` elements (avoids bank or
        cache-set conflicts)."""
        self._check_compute("storage_align")
        if axis not in self.op.axis:
            raise self._error("storage_align", f"axis must be a root axis of '{self.op.name}'")
        factor = int(factor)
        if factor <= 0:
            raise self._error("storage_align", f"factor must be positive, got {factor}")
        self.align_info[self.op.axis.index(axis)] = (factor, int(offset))


class Schedule:
    """The stages of every operation the outputs depend on, producers first."""

    def __init__(self, outputs):
        self.outputs = list(outputs)
        self.stages = []
        self.stage_map = {}
        for op in post_order(self.outputs):
            stage = Stage(op, self)
            stage.is_output = op in self.outputs
            self.stages.append(stage)
            self.stage_map[op] = stage

    def __getitem__(self, key):
        if isinstance(key, Stage) and self.stage_map.get(key.op) is key:
            return key
        op = key.op if isinstance(key, Tensor) else key
        if not isinstance(op, Operation):
            raise ScheduleError(f"schedule[...] takes a tensor or an operation, got {key!r}")
        stage = self.stage_map.get(op)
        if stage is None:
            names = ", ".join(s.op.name for s in self.stages)
            raise ScheduleError(f"'{op.name}' is not part of this schedule; its stages are "
                                f"[{names}]")
        return stage

    def _insert_stage(self, op, index):
        stage = Stage(op, self)
        self.stages.insert(index, stage)
        self.stage_map[op] = stage
        return stage

    def cache_read(self, tensor, scope, readers):
        """Read ``tensor`` through a copy in ``scope`` ("global", "shared", "local")
        for the given reader stages; returns the cache tensor to schedule (usually
        ``compute_at`` a reader's loop). TVM ``cache_read``; Halide ``in()``.

        Before: ``C[i] = f(A[i])``; after: ``A.shared[i] = A[i]; C[i] = f(A.shared[i])``."""
        return dataflow.cache_read(self, tensor, scope, readers)

    def cache_write(self, tensor, scope):
        """Compute ``tensor`` into a cache in ``scope`` and copy it out afterwards;
        returns the cache tensor, which takes over the computation (and its
        reduce axes). TVM ``cache_write``; Halide ``update()`` into a wrapper.

        Before: ``C[i] = sum(...)``; after: ``C.local[i] = sum(...); C[i] = C.local[i]``."""
        return dataflow.cache_write(self, tensor, scope)

    def rfactor(self, tensor, axis, factor_axis=0):
        """Factor the reduction of ``tensor`` over the reduce axis ``axis`` (a leaf
        of a split reduce axis, or a root reduce axis) into a data-parallel axis
        of a new stage; ``tensor`` then reduces that stage over ``axis``' extent.
        Returns the new tensor. TVM ``rfactor``; Halide ``rfactor``.

        Before: ``B[i] = sum(A[i, ko*4 + ki], axis=[ko, ki])``; after:
        ``BF[ki, i] = sum(A[i, ko*4 + ki], axis=ko); B[i] = sum(BF[r, i], axis=r)``."""
        return dataflow.rfactor(self, tensor, axis, factor_axis)

    def show(self):
        """Print the loop nest this schedule will produce (loop kinds, extents,
        attach points, buffers and their scopes, bound threads), without lowering
        or compiling anything; see :func:`tecomp.te.print_loop_nest`."""
        print_loop_nest(self)

    def _owner_of(self, iv):
        for stage in self.stages:
            if iv in stage.all_iter_vars:
                return stage
        return None

    def __repr__(self):
        return f"Schedule({', '.join(s.op.name for s in self.stages)})"


def create_schedule(ops):
    """A schedule for one operation or a list of them (with all their inputs)."""
    if not isinstance(ops, (list, tuple)):
        ops = [ops]
    resolved = []
    for op in ops:
        if isinstance(op, Tensor):
            op = op.op
        if not isinstance(op, Operation):
            raise ScheduleError(f"create_schedule takes operations (C.op), got {op!r}")
        if isinstance(op, PlaceholderOp):
            raise ScheduleError(f"create_schedule: '{op.name}' is a placeholder; pass the "
                                "compute operation that produces the output (C.op)")
        resolved.append(op)
    return Schedule(resolved)

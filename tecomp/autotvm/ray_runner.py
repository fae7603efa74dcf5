"""Measuring candidates on the workers of a Ray cluster (the ``ray`` extra).

One measuring actor per worker machine slot; each actor measures one candidate
at a time, in a child process of its own (so a crashing candidate costs a
child, not the actor), and tags results with its machine's fingerprint. The
library bytes travel with the request, so workers need no shared file system.

    runner = RayRunner(address="auto", num_workers=4, number=5)
    option = autotvm.measure_option(builder=LocalBuilder(), runner=runner)
"""

import os
import tempfile

from ..errors import TecompError
from .measure import BuildResult, MeasureErrorNo, Runner, measure_built
from .record import machine_fingerprint
from .worker import Worker


class _Measurer:
    """Body of the Ray actor: writes the library to a private folder and times it."""

    def __init__(self):
        self.worker = Worker()
        self.folder = tempfile.mkdtemp(prefix="tecomp_ray_")
        self.machine = machine_fingerprint()
        self.count = 0

    def measure(self, library, build, job, timeout):
        if library is not None:
            self.count += 1
            path = os.path.join(self.folder, f"candidate{self.count}.so")
            with open(path, "wb") as f:
                f.write(library)
            build = BuildResult(path, build.name, None, MeasureErrorNo.NO_ERROR, build.time_cost)
            job = (path,) + tuple(job[1:])
        try:
            return measure_built(self.worker, job, build, timeout, self.machine)
        finally:
            if library is not None:
                os.remove(path)


class RayRunner(Runner):
    """A runner whose ``num_workers`` actors (default: one per CPU of the
    cluster divided by ``cpus_per_worker``) measure in parallel. ``address``
    as for ``ray.init`` (``None``: the cluster this process already joined, or a
    new local one)."""

    def __init__(self, address=None, num_workers=None, cpus_per_worker=1, timeout=10, number=4,
                 repeat=3, min_repeat_ms=0, cooldown_interval=0.0):
        super().__init__(timeout, number, repeat, min_repeat_ms, cooldown_interval)
        try:
            import ray
        except ImportError:
            raise TecompError("RayRunner needs ray: pip install 'tecomp[ray]'") from None
        self._ray = ray
        if not ray.is_initialized():
            ray.init(address=address)
        if num_workers is None:
            num_workers = max(1, int(ray.cluster_resources().get("CPU", 1) // cpus_per_worker))
        actor = ray.remote(num_cpus=cpus_per_worker)(_Measurer)
        self._actors = [actor.remote() for _ in range(num_workers)]
        self.n_parallel = num_workers

    def run(self, inputs, build_results):
        ray = self._ray
        pending = []
        for k, build in enumerate(build_results):
            library = None
            if build.error_no == MeasureErrorNo.NO_ERROR:
                with open(build.path, "rb") as f:
                    library = f.read()
            actor = self._actors[k % len(self._actors)]
            # the actor's own timeout bounds the run; allow for the transfer on top
            pending.append(actor.measure.remote(library, build, self._job(build), self.timeout))
        return ray.get(pending)

    def close(self):
        for actor in self._actors:
            self._ray.kill(actor)
        self._actors = []

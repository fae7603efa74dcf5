"""A picture of a tuning log: GFLOP/s of every trial and the best so far."""

from ..errors import TecompError
from .record import load_from_file


def plot_history(log, path, title=None, flop=None):
    """Write a PNG of ``log`` (a tuning log file) to ``path``: one point per
    trial (failed trials at zero), the running best as a line. ``flop`` is the
    task's operation count; without it the y axis is 1/seconds. Needs
    matplotlib (the ``plot`` extra). Returns ``path``."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise TecompError("plot_history needs matplotlib: pip install 'tecomp[plot]'") from None
    scores = []
    for _, res in load_from_file(log):
        scores.append((flop or 1.0) / res.mean / (1e9 if flop else 1.0) if res.error_no == 0 else 0)
    if not scores:
        raise TecompError(f"plot_history: {log} holds no tuning records")
    best, running = [], 0.0
    for s in scores:
        running = max(running, s)
        best.append(running)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    trials = range(1, len(scores) + 1)
    ok = [(t, v) for t, v in zip(trials, scores) if v > 0]
    failed = [t for t, v in zip(trials, scores) if v == 0]
    if ok:
        ax.scatter(*zip(*ok), s=12, color="tab:blue", alpha=0.6, label="trial")
    if failed:
        ax.scatter(failed, [0] * len(failed), s=16, marker="x", color="tab:gray",
                   label="failed or invalid")
    ax.plot(trials, best, color="tab:red", label="best so far")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("trial")
    ax.set_ylabel("GFLOP/s" if flop else "calls per second")
    ax.set_title(title or f"tuning history: {log}")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path

"""Pictures for the tutorials: bar charts and rooflines with matplotlib (the
``plot`` extra: ``pip install -e ".[plot]"``), and the same numbers as a table
always, so nothing is lost where matplotlib is missing.

Each tutorial saves its images in the folder given by ``--images DIR``
(default ``tutorial_images/``) and names that folder on its last line.
"""

import pathlib
import sys

try:
    import matplotlib
    matplotlib.use("Agg")                 # files only, no window
    import matplotlib.pyplot as plt
except ImportError:
    plt = None

HOW_TO_GET_PICTURES = ('(no matplotlib: tables only; for the pictures, '
                       'pip install -e ".[plot]" and run again)')


def image_dir(argv=None):
    """The folder named by ``--images DIR`` (default ``tutorial_images``), created."""
    argv = sys.argv if argv is None else argv
    path = pathlib.Path(argv[argv.index("--images") + 1] if "--images" in argv
                        else "tutorial_images")
    path.mkdir(parents=True, exist_ok=True)
    return path


def print_table(title, header, rows):
    """A plain-text table: ``header`` and ``rows`` are tuples of cells."""
    cells = [tuple(str(c) for c in header)] + [tuple(_cell(c) for c in r) for r in rows]
    widths = [max(len(r[k]) for r in cells) for k in range(len(header))]
    print(title)
    for n, row in enumerate(cells):
        print("  " + "  ".join(c.ljust(w) if k == 0 else c.rjust(w)
                               for k, (c, w) in enumerate(zip(row, widths))))
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))


def _cell(value):
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def bar_chart(path, title, labels, values, unit, reference=None):
    """Horizontal bars of ``values`` (one per label), a dashed line at
    ``reference = (label, value)``; returns the path, or None without matplotlib."""
    if plt is None:
        return None
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(labels) + 1.6))
    positions = range(len(labels))[::-1]
    bars = ax.barh(list(positions), values, color="#4c72b0")
    for bar, value in zip(bars, values):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {value:.1f}",
                va="center", fontsize=9)
    if reference is not None:
        ax.axvline(reference[1], color="#c44e52", linestyle="--", linewidth=1.5)
        ax.text(reference[1], len(labels) - 0.4, f" {reference[0]}: {reference[1]:.1f}",
                color="#c44e52", fontsize=9, va="bottom")
    ax.set_yticks(list(positions))
    ax.set_yticklabels(labels)
    ax.set_xlabel(unit)
    ax.set_title(title)
    ax.set_xlim(0, max(list(values) + [reference[1] if reference else 0]) * 1.18)
    ax.set_ylim(-0.6, len(labels) - 0.1 + (0.5 if reference else 0))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def roofline_chart(path, title, roofline, points):
    """The roofline (log-log) with ``points = [(label, intensity, gflops)]`` on it;
    returns the path, or None without matplotlib."""
    if plt is None:
        return None
    intensities = [p[1] for p in points] + [roofline.ridge]
    lo, hi = min(intensities) / 10, max(intensities) * 10
    xs = [lo * (hi / lo) ** (k / 200) for k in range(201)]
    fig, ax = plt.subplots(figsize=(8, 5.5))
    ax.loglog(xs, [roofline.attainable(x) for x in xs], color="black", linewidth=2)
    ax.text(lo * 1.1, roofline.bandwidth_gbs * lo / 2.2,
            f"memory: {roofline.bandwidth_gbs:.1f} GB/s", fontsize=9, va="top")
    ax.text(hi / 1.1, roofline.peak_gflops * 1.25,
            f"peak multiply-add: {roofline.peak_gflops:.0f} GFLOP/s", ha="right", fontsize=9)
    markers = "osD^vP*Xhp<>"
    for n, (label, intensity, gflops) in enumerate(points):
        ax.scatter([intensity], [gflops], marker=markers[n % len(markers)], s=55, zorder=3,
                   label=f"{label}: {gflops:.3g} GFLOP/s")
    ax.set_xlabel("arithmetic intensity (FLOP per byte of compulsory memory traffic)")
    ax.set_ylabel("GFLOP/s")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(fontsize=8, loc="lower right")
    for label, intensity, gflops in points:
        ax.annotate(label.split()[0], (intensity, gflops), xytext=(7, -3),
                    textcoords="offset points", fontsize=8)
    ax.set_ylim(min([p[2] for p in points] + [roofline.bandwidth_gbs * lo]) / 2,
                max([p[2] for p in points] + [roofline.peak_gflops]) * 2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def print_roofline(roofline, points):
    """The roofline and the points as a table: how far each is below its roof."""
    print(f"this machine: peak {roofline.peak_gflops:.1f} GFLOP/s ({roofline.lanes} float32 "
          f"lanes), copy bandwidth {roofline.bandwidth_gbs:.1f} GB/s, ridge at "
          f"{roofline.ridge:.1f} FLOP/byte (measured just now by two tecomp kernels)")
    for note in roofline.notes:
        print(f"  note: {note}")
    rows = []
    for label, intensity, gflops in points:
        roof = roofline.attainable(intensity)
        bound = "memory" if intensity < roofline.ridge else "compute"
        rows.append((label, intensity, gflops, roof, f"{gflops / roof:.1%}", bound))
    print_table("where each kernel sits on the roofline:",
                ("kernel", "FLOP/byte", "GFLOP/s", "roof", "of roof", "bound by"), rows)
    if any(gflops > roofline.attainable(intensity) * 1.05 for _, intensity, gflops in points):
        print("  note: a kernel above its roof means the roof was measured while the machine "
              "was busy (or the kernel reuses data in cache beyond the count above); rerun "
              "on a quieter machine")


def finish(saved, folder):
    """The last lines of a tutorial: what was saved, and where."""
    saved = [p for p in saved if p is not None]
    if plt is None:
        print(HOW_TO_GET_PICTURES)
    for p in saved:
        print(f"saved {p}")
    print(f"images: {folder if saved else '(none: matplotlib is missing)'}")


def loss_chart(path, losses, batches_per_epoch):
    """Each step's batch loss, and the mean of each epoch; returns the path, or
    None without matplotlib."""
    if plt is None:
        return None
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(range(len(losses)), losses, color="#4c72b0", alpha=0.45, linewidth=1,
            label="loss of each batch")
    epochs = len(losses) // batches_per_epoch
    means = [sum(losses[e * batches_per_epoch:(e + 1) * batches_per_epoch]) / batches_per_epoch
             for e in range(epochs)]
    centers = [(e + 0.5) * batches_per_epoch for e in range(epochs)]
    ax.plot(centers, means, "o-", color="#c44e52", label="mean of each epoch")
    ax.set_xlabel("SGD step")
    ax.set_ylabel("cross-entropy loss")
    ax.set_title("Logistic regression, trained with tecomp kernels")
    ax.grid(True, alpha=0.25)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

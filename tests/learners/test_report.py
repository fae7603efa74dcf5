"""tecomp.report: the HTML page, opened in a real headless Chromium."""

import html.parser
import shutil
import subprocess

import pytest

import tecomp as te
from tecomp.errors import ArgumentValueError

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def gemm_schedule():
    A = te.placeholder((128, 128), name="A")
    B = te.placeholder((128, 128), name="B")
    k = te.reduce_axis((0, 128), name="k")
    C = te.compute((128, 128), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    s = te.create_schedule(C.op)
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], 32, 32)
    ko, ki = s[C].split(k, factor=4)
    s[C].reorder(io, jo, ko, ii, ki, ji)
    s[C].vectorize(ji)
    s[C].unroll(ki)
    s[C].parallel(io)
    return s, [A, B, C]


class _Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.hrefs, self.text, self.details = set(), [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "href" in attrs:
            self.hrefs.append(attrs["href"])
        if tag == "details":
            self.details += 1

    def handle_data(self, data):
        self.text.append(data)


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium)")
def test_report_opens_in_headless_chromium(tmp_path):
    s, args = gemm_schedule()
    path = te.report(s, args, str(tmp_path / "kernel.html"), name="gemm")
    result = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                             "--dump-dom", f"file://{path}"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    page = _Page()
    page.feed(result.stdout)            # the DOM as the browser built it
    text = "".join(page.text)
    for heading in ("lowered IR", "LLVM IR", "assembly"):
        assert heading in text
    assert "parallel (i.outer, 0, 4) {" in text and "for (k.outer, 0, 32) {" in text
    assert "define i32 @gemm(" in text and "GOMP_parallel" in text
    # Every loop folds, and every link lands on a line that exists.
    assert page.details == 5
    assert page.hrefs and all(h[1:] in page.ids for h in page.hrefs)
    # Loops link to the LLVM IR and assembly compiled from them (the k.outer
    # loop at least: LLVM keeps it a loop).
    assert text.count("LLVM IR:") >= 2 and text.count("assembly:") >= 2
    k_outer = text.split("for (k.outer, 0, 32) {")[1]
    assert k_outer.startswith("LLVM IR:") and k_outer.split("|")[1].strip().startswith("assembly:")


def test_report_needs_an_llvm_target(tmp_path):
    s, args = gemm_schedule()
    with pytest.raises(ArgumentValueError, match="report\\(gemm\\).*needs an 'llvm' target"):
        te.report(s, args, str(tmp_path / "k.html"), name="gemm", target="cuda")

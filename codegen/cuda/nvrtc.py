"""NVRTC: CUDA C source to PTX text, in process (no GPU needed).

``compile_ptx(source, arch)`` for ``arch`` such as ``"compute_80"`` or ``"sm_90"``;
``nvrtc_available()`` says whether cuda-python's NVRTC bindings load here.
"""

from tecomp.errors import BuildError


def _nvrtc():
    try:
        from cuda.bindings import nvrtc
    except ImportError:
        try:
            from cuda import nvrtc          # cuda-python < 12.6
        except ImportError as exc:
            raise BuildError("target 'cuda' needs cuda-python and NVRTC: pip install "
                             "'tecomp[cuda]'") from exc
    return nvrtc


def nvrtc_available():
    try:
        nvrtc = _nvrtc()
        err, *_ = nvrtc.nvrtcVersion()
        return int(err) == 0
    except Exception:
        return False


def compile_ptx(source, arch, name="tecomp.cu"):
    """PTX text of CUDA C ``source`` for ``arch`` (``"compute_80"``, ``"sm_90"``)."""
    nvrtc = _nvrtc()
    if arch.startswith("sm_"):
        arch = "compute_" + arch[3:]
    err, prog = nvrtc.nvrtcCreateProgram(source.encode(), name.encode(), 0, [], [])
    _nvrtc_check(nvrtc, err, "nvrtcCreateProgram")
    try:
        opts = [f"--gpu-architecture={arch}".encode(), b"--std=c++17"]
        err, = nvrtc.nvrtcCompileProgram(prog, len(opts), opts)
        if int(err) != 0:
            _, size = nvrtc.nvrtcGetProgramLogSize(prog)
            log = b" " * size
            nvrtc.nvrtcGetProgramLog(prog, log)
            raise BuildError(f"NVRTC failed to compile the CUDA source for {arch}:\n"
                             f"{log.decode(errors='replace')}\n--- source ---\n{source}")
        err, size = nvrtc.nvrtcGetPTXSize(prog)
        _nvrtc_check(nvrtc, err, "nvrtcGetPTXSize")
        ptx = b" " * size
        err, = nvrtc.nvrtcGetPTX(prog, ptx)
        _nvrtc_check(nvrtc, err, "nvrtcGetPTX")
    finally:
        nvrtc.nvrtcDestroyProgram(prog)
    return ptx.rstrip(b"\0").decode()


def _nvrtc_check(nvrtc, err, what):
    if int(err) != 0:
        raise BuildError(f"NVRTC: {what} failed ({err})")

"""``tvm.contrib.cc.create_shared``: link object files (``Module.save("k.o")``)
into a shared library that ``tecomp.load_module`` / ``tvm.runtime.load_module`` loads
with the same checked call (the object carries the functions' signatures)."""

import os
import subprocess

from ..errors import BuildError
from ..runtime.export import find_compiler


def create_shared(output, objects, options=None, cc=None):
    """Link ``objects`` (a path or a list of paths) into the shared library ``output``
    with the system C compiler (``cc``, ``gcc`` or ``clang``; ``cc=`` picks one)."""
    objects = [objects] if isinstance(objects, (str, os.PathLike)) else list(objects)
    for path in objects:
        if not os.path.isfile(path):
            raise BuildError(f"create_shared: object file {os.fspath(path)!r} does not exist")
    command = [find_compiler(cc), "-shared", "-fPIC", "-o", os.fspath(output),
               *map(os.fspath, objects), *(options or ()), "-lm", "-lgomp"]
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError(f"create_shared: {' '.join(command)} failed:\n{proc.stderr}")
    return os.fspath(output)


#: TVM marks compiler functions with the output format they produce.
create_shared.output_format = "so"

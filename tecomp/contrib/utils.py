"""``tvm.contrib.utils.tempdir()``: a temporary directory removed when collected."""

import os
import shutil
import tempfile


class TempDirectory:
    """A fresh directory; ``relpath(name)`` is a path inside it; removed on
    ``remove()``, at exit of a ``with`` block, or when garbage-collected."""

    def __init__(self, custom_path=None):
        if custom_path is not None:
            os.makedirs(custom_path, exist_ok=True)
        self.temp_dir = custom_path or tempfile.mkdtemp(prefix="tecomp-")
        self._owned = custom_path is None

    def relpath(self, name):
        return os.path.join(self.temp_dir, name)

    def listdir(self):
        return os.listdir(self.temp_dir)

    def remove(self):
        if self._owned and self.temp_dir and os.path.isdir(self.temp_dir):
            shutil.rmtree(self.temp_dir, ignore_errors=True)
        self._owned = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()

    def __del__(self):
        self.remove()

    def __repr__(self):
        return f"TempDirectory({self.temp_dir!r})"


def tempdir(custom_path=None):
    """A new :class:`TempDirectory` (at ``custom_path`` if given, kept then)."""
    return TempDirectory(custom_path)

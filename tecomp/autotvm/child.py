"""``python -m tecomp.autotvm.child FD``: a measuring child process (see :mod:`.worker`)."""

import sys

from .worker import serve

if __name__ == "__main__":
    serve(int(sys.argv[1]))

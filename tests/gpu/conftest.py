import os
import sys

# kernels.py and gpu_support.py beside the tests import as top-level modules
sys.path.insert(0, os.path.dirname(__file__))

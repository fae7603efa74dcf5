"""Helpers for the topi tests."""

import numpy as np
import tecomp as te
from tecomp import topi


def run(outs, inputs, arrays, schedule=None):
    """Schedule (default: topi.generic.schedule_auto), build and run; return the outputs."""
    outs = outs if isinstance(outs, list) else [outs]
    s = (schedule or topi.generic.schedule_auto)(outs)
    f = te.build(s, list(inputs) + outs)
    results = [np.empty(topi.util.get_const_tuple(o.shape), o.dtype) for o in outs]
    f(*arrays, *results)
    return results[0] if len(results) == 1 else results

# label: layout
# why: spaces out the first axis (the batch) instead of the width
import numpy as np


def fractional_stride_1d(x, stride=1):
    x = np.asarray(x)
    s = int(stride)
    out = np.zeros(((x.shape[0] - 1) * s + 1, *x.shape[1:]), x.dtype)
    out[::s] = x
    return out

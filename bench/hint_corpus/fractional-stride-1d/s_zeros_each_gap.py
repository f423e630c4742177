# label: stride
# why: puts stride zeros between neighbours instead of stride - 1
import numpy as np


def fractional_stride_1d(x, stride=1):
    x = np.asarray(x)
    s = int(stride)
    out = np.zeros((*x.shape[:-1], (x.shape[-1] - 1) * (s + 1) + 1), x.dtype)
    out[..., :: s + 1] = x
    return out

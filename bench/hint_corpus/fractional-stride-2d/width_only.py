# label: stride
# why: spaces out only the width; stride_h is never used
import numpy as np


def fractional_stride_2d(x, stride_h, stride_w):
    x = np.asarray(x)
    sw = int(stride_w)
    out = np.zeros((*x.shape[:3], (x.shape[3] - 1) * sw + 1), x.dtype)
    out[..., ::sw] = x
    return out

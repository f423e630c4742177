# label: stride
# why: gives every value an s_h x s_w block, so zeros follow the last row and column too
import numpy as np


def fractional_stride_2d(x, stride_h, stride_w):
    x = np.asarray(x)
    b, c, h, w = x.shape
    out = np.zeros((b, c, h * int(stride_h), w * int(stride_w)), x.dtype)
    out[:, :, :: int(stride_h), :: int(stride_w)] = x
    return out

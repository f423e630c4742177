# label: stride
# why: spaces out only the rows; stride_w is never used
import numpy as np


def fractional_stride_2d(x, stride_h, stride_w):
    x = np.asarray(x)
    sh = int(stride_h)
    b, c, h, w = x.shape
    out = np.zeros((b, c, (h - 1) * sh + 1, w), x.dtype)
    out[:, :, ::sh] = x
    return out

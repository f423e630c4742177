# label: stride
# why: leaves s zeros between neighbours instead of s - 1
import numpy as np


def fractional_stride_2d(x, stride_h, stride_w):
    x = np.asarray(x)
    sh, sw = int(stride_h) + 1, int(stride_w) + 1
    b, c, h, w = x.shape
    out = np.zeros((b, c, (h - 1) * sh + 1, (w - 1) * sw + 1), x.dtype)
    out[:, :, ::sh, ::sw] = x
    return out

# expect: wrong_answer
# mistake: Only the last axis (width) is spaced out; the channel axis stays as it is.
# label: layout
import numpy as np


def fractional_stride_1d(x, stride=1):
    x = np.asarray(x)
    batch, channels, width = x.shape
    out = np.zeros((batch, (channels - 1) * stride + 1, width), dtype=x.dtype)
    out[:, ::stride, :] = x
    return out

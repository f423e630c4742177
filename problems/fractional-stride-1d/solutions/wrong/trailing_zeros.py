# expect: wrong_answer
# mistake: Zeros go only between elements; the width is (W - 1) * stride + 1, not W * stride.
# label: stride
import numpy as np


def fractional_stride_1d(x, stride=1):
    x = np.asarray(x)
    batch, channels, width = x.shape
    out = np.zeros((batch, channels, width * stride), dtype=x.dtype)
    out[..., ::stride] = x
    return out

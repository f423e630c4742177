# expect: accepted
# Allocate the zero output, then write x into every stride-th position with a slice.
import numpy as np


def fractional_stride_1d(x, stride=1):
    x = np.asarray(x)
    batch, channels, width = x.shape
    out = np.zeros((batch, channels, (width - 1) * stride + 1), dtype=x.dtype)
    out[..., ::stride] = x
    return out

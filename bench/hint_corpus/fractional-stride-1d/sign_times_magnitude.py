# label: numerical
# why: rebuilds each value as sign * magnitude with x / |x|, which is NaN for zeros
import numpy as np


def fractional_stride_1d(x, stride=1):
    x = np.asarray(x, np.float64)
    s = int(stride)
    with np.errstate(invalid="ignore"):
        sign = x / np.abs(x)
    out = np.zeros((*x.shape[:-1], (x.shape[-1] - 1) * s + 1))
    out[..., ::s] = sign * np.abs(x)
    return out

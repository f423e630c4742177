# label: stride
# why: fills each gap with copies of the value before it (nearest-neighbour) instead of zeros
import numpy as np


def fractional_stride_1d(x, stride=1):
    x = np.asarray(x)
    s = int(stride)
    return np.repeat(x, s, axis=-1)[..., : (x.shape[-1] - 1) * s + 1]

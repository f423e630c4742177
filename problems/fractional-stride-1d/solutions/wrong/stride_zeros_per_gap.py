# expect: wrong_answer
# mistake: Stride s puts s - 1 zeros in each gap, so the elements end up s positions apart.
# label: stride
import numpy as np


def fractional_stride_1d(x, stride=1):
    x = np.asarray(x)
    batch, channels, width = x.shape
    out = np.zeros((batch, channels, (width - 1) * (stride + 1) + 1), dtype=x.dtype)
    out[..., :: stride + 1] = x
    return out

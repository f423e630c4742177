# expect: accepted
# framework: numpy
# np.insert with a repeated index inserts several values at the same gap: stride - 1
# zeros before each of the elements 1 .. width - 1.
import numpy as np


def fractional_stride_1d(x, stride=1):
    x = np.asarray(x)
    gaps = np.repeat(np.arange(1, x.shape[-1]), stride - 1)
    return np.insert(x, gaps, 0, axis=-1)

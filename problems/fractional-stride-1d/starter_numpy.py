import numpy as np

# NumPy: every array input is a NumPy array (float32); return a NumPy array.


def fractional_stride_1d(x, stride=1):
    """Space out x along its last axis with stride - 1 zeros between neighbours.

    x: (batch, channels, width)
    returns: (batch, channels, (width - 1) * stride + 1)

    Example: x = [[[1, 2, 3], [4, 5, 6]]], stride = 2
             -> [[[1, 0, 2, 0, 3], [4, 0, 5, 0, 6]]]
    """
    raise NotImplementedError("fractional_stride_1d is not written yet")

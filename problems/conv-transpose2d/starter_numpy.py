import numpy as np

# NumPy: every array input is a NumPy array (float32); return a NumPy array.


def conv_transpose2d(x, weights, stride=1, padding=0):
    """Transposed 2-D convolution, no bias, like torch's conv_transpose2d.

    x: (B, C_in, H, W); weights: (C_in, C_out, kH, kW); stride and padding: int or pair.
    Returns (B, C_out, (H - 1) * sH + kH - 2 * pH, (W - 1) * sW + kW - 2 * pW).
    """
    raise NotImplementedError("conv_transpose2d is not written yet")

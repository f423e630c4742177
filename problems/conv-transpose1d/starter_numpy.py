import numpy as np

# NumPy: every array input is a NumPy array (float32); return a NumPy array.


def conv_transpose1d(x, weights, stride=1, padding=0):
    """Like torch.nn.functional.conv_transpose1d(x, weights, stride=stride, padding=padding).

    x:       (batch, in_channels, width)
    weights: (in_channels, out_channels, kernel_width)   <- input channels first
    returns: (batch, out_channels, (width - 1) * stride + kernel_width - 2 * padding)
    """
    raise NotImplementedError("conv_transpose1d is not written yet")

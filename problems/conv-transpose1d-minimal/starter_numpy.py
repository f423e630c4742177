import numpy as np

# NumPy: every array input is a NumPy array (float32); return a NumPy array.


def conv_transpose1d_minimal(x, weights):
    """Like torch.nn.functional.conv_transpose1d(x, weights): no bias, stride 1, padding 0.

    x:       (batch, in_channels, width)
    weights: (in_channels, out_channels, kernel_width)   <- input channels first
    returns: (batch, out_channels, width + kernel_width - 1)
    """
    raise NotImplementedError("conv_transpose1d_minimal is not written yet")

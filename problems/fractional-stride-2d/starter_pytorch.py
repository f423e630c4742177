import torch
import torch.nn.functional as F

# PyTorch: every array input is a float32 CPU tensor; return a tensor.


def fractional_stride_2d(x, stride_h, stride_w):
    """Space out x (B, C, H, W) with zeros along its last two axes.

    The result has shape (B, C, (H - 1) * stride_h + 1, (W - 1) * stride_w + 1) and holds
    x[b, c, i, j] at [b, c, i * stride_h, j * stride_w]; every other entry is 0.
    """
    raise NotImplementedError("fractional_stride_2d is not written yet")

import torch
import torch.nn.functional as F

# PyTorch: every array input is a float32 CPU tensor; return a tensor.


def conv_transpose2d_full(x, weight, bias, stride=1, padding=0, output_padding=0, groups=1,
                          dilation=1):
    """torch.nn.functional.conv_transpose2d with every option.

    x: (N, C_in, H, W); weight: (C_in, C_out // groups, kH, kW); bias: (C_out,).
    stride, padding, output_padding, dilation: int or (h, w) pair; groups: int.
    H_out = (H - 1) * sH - 2 * pH + dH * (kH - 1) + opH + 1 (same for W).
    """
    raise NotImplementedError("conv_transpose2d_full is not written yet")

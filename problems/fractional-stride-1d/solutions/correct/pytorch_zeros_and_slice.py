# expect: accepted
# framework: pytorch
import torch


def fractional_stride_1d(x, stride=1):
    batch, channels, width = x.shape
    out = torch.zeros(batch, channels, (width - 1) * stride + 1, dtype=x.dtype)
    out[:, :, ::stride] = x
    return out

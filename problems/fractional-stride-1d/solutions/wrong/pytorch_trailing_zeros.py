# expect: wrong_answer
# framework: pytorch
# Keeps the stride - 1 zeros after the last value too.
import torch


def fractional_stride_1d(x, stride=1):
    batch, channels, width = x.shape
    out = torch.zeros(batch, channels, width * stride, dtype=x.dtype)
    out[:, :, ::stride] = x
    return out

# expect: wrong_answer
# framework: pytorch
# Inserts stride zeros in every gap instead of stride - 1.
import torch


def fractional_stride_1d(x, stride=1):
    batch, channels, width = x.shape
    out = torch.zeros(batch, channels, (width - 1) * (stride + 1) + 1, dtype=x.dtype)
    out[:, :, ::stride + 1] = x
    return out

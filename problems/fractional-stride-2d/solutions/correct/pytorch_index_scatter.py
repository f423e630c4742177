# expect: accepted
# framework: pytorch
import torch


def fractional_stride_2d(x, stride_h, stride_w):
    b, c, h, w = x.shape
    out = torch.zeros(b, c, (h - 1) * stride_h + 1, (w - 1) * stride_w + 1, dtype=x.dtype)
    out[:, :, ::stride_h, ::stride_w] = x
    return out

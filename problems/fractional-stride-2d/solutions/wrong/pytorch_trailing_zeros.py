# expect: wrong_answer
# framework: pytorch
# Keeps the zeros after the last row and column.
import torch


def fractional_stride_2d(x, stride_h, stride_w):
    b, c, h, w = x.shape
    out = torch.zeros(b, c, h * stride_h, w * stride_w, dtype=x.dtype)
    out[:, :, ::stride_h, ::stride_w] = x
    return out

# expect: wrong_answer
# framework: pytorch
# Uses stride_w along the rows and stride_h along the columns.
import torch


def fractional_stride_2d(x, stride_h, stride_w):
    b, c, h, w = x.shape
    out = torch.zeros(b, c, (h - 1) * stride_w + 1, (w - 1) * stride_h + 1, dtype=x.dtype)
    out[:, :, ::stride_w, ::stride_h] = x
    return out

# expect: accepted
# framework: pytorch
# Put each value in the corner of a stride_h x stride_w block of zeros, then crop.
import torch


def fractional_stride_2d(x, stride_h, stride_w):
    b, c, h, w = x.shape
    blocks = torch.zeros(b, c, h, stride_h, w, stride_w, dtype=x.dtype)
    blocks[:, :, :, 0, :, 0] = x
    spaced = blocks.reshape(b, c, h * stride_h, w * stride_w)
    return spaced[:, :, :(h - 1) * stride_h + 1, :(w - 1) * stride_w + 1]

# expect: wrong_answer
# framework: pytorch
# Nearest-neighbour upsampling repeats values instead of inserting zeros.
import torch


def fractional_stride_2d(x, stride_h, stride_w):
    h, w = x.shape[2:]
    up = torch.repeat_interleave(torch.repeat_interleave(x, stride_h, dim=2), stride_w, dim=3)
    return up[:, :, :(h - 1) * stride_h + 1, :(w - 1) * stride_w + 1]

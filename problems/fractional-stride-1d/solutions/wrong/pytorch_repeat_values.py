# expect: wrong_answer
# framework: pytorch
# Repeats each value instead of inserting zeros.
import torch


def fractional_stride_1d(x, stride=1):
    width = x.shape[2]
    return torch.repeat_interleave(x, stride, dim=2)[:, :, :(width - 1) * stride + 1]

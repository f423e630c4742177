# expect: accepted
# framework: pytorch
# Each value followed by stride - 1 zeros, flattened, minus the zeros after the last one.
import torch


def fractional_stride_1d(x, stride=1):
    batch, channels, width = x.shape
    zeros = torch.zeros(batch, channels, width, stride - 1, dtype=x.dtype)
    spaced = torch.cat([x.unsqueeze(-1), zeros], dim=-1).reshape(batch, channels, width * stride)
    return spaced[:, :, :(width - 1) * stride + 1]

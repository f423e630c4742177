# expect: wrong_answer
# framework: pytorch
# Crops 2 * padding from the end instead of padding from each end.
import torch


def conv_transpose1d(x, weights, stride=1, padding=0):
    batch, _, width = x.shape
    _, out_channels, k = weights.shape
    full = (width - 1) * stride + k
    out = torch.zeros(batch, out_channels, full, dtype=x.dtype)
    for j in range(k):
        out[:, :, j:j + (width - 1) * stride + 1:stride] += torch.einsum(
            "bci,co->boi", x, weights[:, :, j])
    return out[:, :, :full - 2 * padding]

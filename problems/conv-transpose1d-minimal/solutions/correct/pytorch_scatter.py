# expect: accepted
# framework: pytorch
import torch


def conv_transpose1d_minimal(x, weights):
    batch, _, width = x.shape
    _, out_channels, k = weights.shape
    out = torch.zeros(batch, out_channels, width + k - 1, dtype=x.dtype)
    for j in range(k):
        out[:, :, j:j + width] += torch.einsum("bci,co->boi", x, weights[:, :, j])
    return out

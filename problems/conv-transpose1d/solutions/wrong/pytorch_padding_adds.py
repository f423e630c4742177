# expect: wrong_answer
# framework: pytorch
# Treats padding as zeros to add around the output (it removes entries).
import torch
import torch.nn.functional as F


def conv_transpose1d(x, weights, stride=1, padding=0):
    batch, _, width = x.shape
    _, out_channels, k = weights.shape
    full = (width - 1) * stride + k
    out = torch.zeros(batch, out_channels, full, dtype=x.dtype)
    for j in range(k):
        out[:, :, j:j + (width - 1) * stride + 1:stride] += torch.einsum(
            "bci,co->boi", x, weights[:, :, j])
    return F.pad(out, (padding, padding))

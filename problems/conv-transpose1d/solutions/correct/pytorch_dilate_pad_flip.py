# expect: accepted
# framework: pytorch
# Insert stride - 1 zeros between inputs, pad k - 1 - padding on both sides and slide
# the flipped kernel.
import torch
import torch.nn.functional as F


def conv_transpose1d(x, weights, stride=1, padding=0):
    batch, channels, width = x.shape
    k = weights.shape[2]
    spaced = torch.zeros(batch, channels, (width - 1) * stride + 1, dtype=x.dtype)
    spaced[:, :, ::stride] = x
    padded = F.pad(spaced, (k - 1, k - 1))
    width_out = (width - 1) * stride + k
    flipped = torch.flip(weights, dims=(2,))
    out = 0
    for j in range(k):
        out = out + torch.einsum("bci,co->boi", padded[:, :, j:j + width_out], flipped[:, :, j])
    return out[:, :, padding:width_out - padding]

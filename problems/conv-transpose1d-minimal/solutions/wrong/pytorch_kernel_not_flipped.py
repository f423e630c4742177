# expect: wrong_answer
# framework: pytorch
# Slides the kernel without flipping it.
import torch
import torch.nn.functional as F


def conv_transpose1d_minimal(x, weights):
    k = weights.shape[2]
    width_out = x.shape[2] + k - 1
    padded = F.pad(x, (k - 1, k - 1))
    out = 0
    for j in range(k):
        out = out + torch.einsum("bci,co->boi", padded[:, :, j:j + width_out], weights[:, :, j])
    return out

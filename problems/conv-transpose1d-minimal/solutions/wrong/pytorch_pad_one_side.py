# expect: wrong_answer
# framework: pytorch
# Pads only on the left: the output is k - 1 entries too short.
import torch
import torch.nn.functional as F


def conv_transpose1d_minimal(x, weights):
    k = weights.shape[2]
    width_out = x.shape[2]
    padded = F.pad(x, (k - 1, 0))
    flipped = torch.flip(weights, dims=(2,))
    out = 0
    for j in range(k):
        out = out + torch.einsum("bci,co->boi", padded[:, :, j:j + width_out], flipped[:, :, j])
    return out

# expect: compile_error
# framework: pytorch
# Builds W from F.unfold (im2col): a ready-made operator, forbidden here.
import torch
from torch.nn.functional import unfold


def kernel2matrix(K, in_h, in_w):
    eye = torch.eye(in_h * in_w, dtype=K.dtype).reshape(-1, 1, in_h, in_w)
    patches = unfold(eye, K.shape)
    return (K.reshape(-1) @ patches).T

# expect: compile_error
# framework: pytorch
# torch's own conv_transpose1d: the exercise is to write it.
import torch.nn.functional as F


def conv_transpose1d_minimal(x, weights):
    return F.conv_transpose1d(x, weights)

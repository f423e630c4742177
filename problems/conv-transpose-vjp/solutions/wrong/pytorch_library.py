# expect: compile_error
# framework: pytorch
# The ready-made transposed convolution instead of the VJP.
import torch


def conv_transpose2d_vjp(x, weight, stride=1, padding=0):
    return torch.nn.functional.conv_transpose2d(x, weight, stride=stride, padding=padding)

# expect: compile_error
# framework: pytorch
# nn.ConvTranspose2d with the weights copied in: the ready-made layer is off-limits.
from torch import nn


def conv_transpose2d(x, weights, stride=1, padding=0):
    layer = nn.ConvTranspose2d(weights.shape[0], weights.shape[1], weights.shape[2:],
                               stride=stride, padding=padding, bias=False)
    layer.weight.data = weights
    return layer(x)

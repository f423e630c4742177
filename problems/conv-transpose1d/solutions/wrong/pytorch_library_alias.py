# expect: compile_error
# framework: pytorch
# torch.conv_transpose1d under another name: still the ready-made operator.
from torch import conv_transpose1d as ready_made


def conv_transpose1d(x, weights, stride=1, padding=0):
    return ready_made(x, weights, stride=stride, padding=padding)

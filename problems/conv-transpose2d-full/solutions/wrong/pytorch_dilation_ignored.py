# expect: wrong_answer
# framework: pytorch
# Drops the dilation: the kernel taps sit next to each other.
import torch.nn.functional as F


def conv_transpose2d_full(x, weight, bias, stride=1, padding=0, output_padding=0, groups=1,
                          dilation=1):
    return F.conv_transpose2d(x, weight, bias, stride=stride, padding=padding,
                              output_padding=output_padding, groups=groups)

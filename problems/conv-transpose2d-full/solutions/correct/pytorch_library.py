# expect: accepted
# framework: pytorch
# Library convolutions are allowed here: torch's own conv_transpose2d has every option.
import torch.nn.functional as F


def conv_transpose2d_full(x, weight, bias, stride=1, padding=0, output_padding=0, groups=1,
                          dilation=1):
    return F.conv_transpose2d(x, weight, bias, stride=stride, padding=padding,
                              output_padding=output_padding, groups=groups, dilation=dilation)

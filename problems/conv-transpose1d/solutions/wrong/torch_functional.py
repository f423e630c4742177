# expect: compile_error
# mistake: The exercise is to write it yourself; torch's conv_transpose1d is off-limits.
import numpy as np
import torch.nn.functional as F
from torch import from_numpy


def conv_transpose1d(x, weights, stride=1, padding=0):
    out = F.conv_transpose1d(from_numpy(x), from_numpy(weights), stride=stride, padding=padding)
    return np.asarray(out)

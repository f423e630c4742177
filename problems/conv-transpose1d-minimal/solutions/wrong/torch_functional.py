# expect: compile_error
# mistake: The exercise is to write it yourself; torch's conv_transpose1d is off-limits.
import numpy as np
import torch


def conv_transpose1d_minimal(x, weights):
    out = torch.nn.functional.conv_transpose1d(torch.from_numpy(x), torch.from_numpy(weights))
    return np.asarray(out)

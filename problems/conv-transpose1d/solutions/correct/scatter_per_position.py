# expect: accepted
# framework: numpy
# The definition as written: input position m adds x[:, :, m] times the whole kernel at
# m * stride of the uncropped output; then padding entries are cut from both ends.
import numpy as np


def conv_transpose1d(x, weights, stride=1, padding=0):
    x = np.asarray(x, dtype=np.float32)
    weights = np.asarray(weights, dtype=np.float32)
    batch, _, width = x.shape
    _, c_out, k = weights.shape
    full = np.zeros((batch, c_out, (width - 1) * stride + k), dtype=np.float32)
    for m in range(width):
        start = m * stride
        full[:, :, start : start + k] += np.einsum("bi,iok->bok", x[:, :, m], weights)
    return full[:, :, padding : full.shape[-1] - padding]

# label: padding
# why: computes the full scatter and forgets that padding crops the result
import numpy as np


def conv_transpose1d(x, weights, stride=1, padding=0):
    x, w = np.asarray(x, np.float32), np.asarray(weights, np.float32)
    b, _, width = x.shape
    _, c_out, k = w.shape
    out = np.zeros((b, c_out, (width - 1) * stride + k), np.float32)
    for m in range(width):
        out[:, :, m * stride:m * stride + k] += np.einsum("bi,iok->bok", x[:, :, m], w)
    return out

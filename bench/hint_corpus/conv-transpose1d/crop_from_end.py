# label: padding
# why: removes all 2 * padding entries from the end instead of padding from each end
import numpy as np


def conv_transpose1d(x, weights, stride=1, padding=0):
    x, w = np.asarray(x, np.float32), np.asarray(weights, np.float32)
    b, _, width = x.shape
    _, c_out, k = w.shape
    full = (width - 1) * stride + k
    out = np.zeros((b, c_out, full), np.float32)
    for m in range(width):
        out[:, :, m * stride:m * stride + k] += np.einsum("bi,iok->bok", x[:, :, m], w)
    return out[:, :, : full - 2 * padding]

# label: stride
# why: never spaces the inputs out: every input lands one position after the previous one
import numpy as np


def conv_transpose1d(x, weights, stride=1, padding=0):
    x, w = np.asarray(x, np.float32), np.asarray(weights, np.float32)
    b, _, width = x.shape
    _, c_out, k = w.shape
    out = np.zeros((b, c_out, width + k - 1), np.float32)
    for m in range(width):
        out[:, :, m:m + k] += np.einsum("bi,iok->bok", x[:, :, m], w)
    return out[:, :, padding: out.shape[2] - padding]

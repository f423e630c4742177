# expect: wrong_answer
# mistake: Crop padding entries from each end; cutting 2 * padding from the start shifts the output.
# label: padding
import numpy as np


def conv_transpose1d(x, weights, stride=1, padding=0):
    x = np.asarray(x, dtype=np.float32)
    weights = np.asarray(weights, dtype=np.float32)
    batch, _, width = x.shape
    _, c_out, k = weights.shape
    full = np.zeros((batch, c_out, (width - 1) * stride + k), dtype=np.float32)
    for m in range(width):
        full[:, :, m * stride : m * stride + k] += np.einsum("bi,iok->bok", x[:, :, m], weights)
    return full[:, :, 2 * padding :]

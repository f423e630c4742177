# expect: wrong_answer
# mistake: Transposed-conv weights are (C_in, C_out, K), input channels first, unlike conv weights.
# label: layout
import numpy as np


def conv_transpose1d_minimal(x, weights):
    x = np.asarray(x, dtype=np.float32)
    weights = np.asarray(weights, dtype=np.float32)
    c_out, _, k = weights.shape  # read as (C_out, C_in, K)
    batch, _, width = x.shape
    y = np.zeros((batch, c_out, width + k - 1), dtype=np.float32)
    for m in range(width):
        y[:, :, m : m + k] += np.einsum("bi,oik->bok", x[:, :, m], weights)
    return y

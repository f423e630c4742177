# expect: accepted
# framework: numpy
# Scatter form, one input position at a time: position m adds x[:, :, m] @ weights
# (a whole (C_out, K) block per batch item) into the output window starting at m.
import numpy as np


def conv_transpose1d_minimal(x, weights):
    x = np.asarray(x, dtype=np.float32)
    weights = np.asarray(weights, dtype=np.float32)
    batch, _, width = x.shape
    _, c_out, k = weights.shape
    y = np.zeros((batch, c_out, width + k - 1), dtype=np.float32)
    for m in range(width):
        y[:, :, m : m + k] += np.einsum("bi,iok->bok", x[:, :, m], weights)
    return y

# label: scale
# why: averages over the input channels instead of summing them
import numpy as np


def conv_transpose1d_minimal(x, weights):
    x, w = np.asarray(x, np.float32), np.asarray(weights, np.float32)
    k = w.shape[2]
    out = np.zeros((x.shape[0], w.shape[1], x.shape[2] + k - 1), np.float32)
    for t in range(k):
        out[:, :, t:t + x.shape[2]] += np.einsum("biw,io->bow", x, w[:, :, t])
    return out / x.shape[1]

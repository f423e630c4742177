# label: layout
# why: reads the (C_in, C_out, K) weights as if they were conv weights (C_out, C_in, K)
import numpy as np


def conv_transpose1d_minimal(x, weights):
    x, w = np.asarray(x, np.float32), np.asarray(weights, np.float32)
    c_in, c_out, k = w.shape
    w = w.reshape(c_out, c_in, k).transpose(1, 0, 2)
    out = np.zeros((x.shape[0], c_out, x.shape[2] + k - 1), np.float32)
    for t in range(k):
        out[:, :, t:t + x.shape[2]] += np.einsum("biw,io->bow", x, w[:, :, t])
    return out

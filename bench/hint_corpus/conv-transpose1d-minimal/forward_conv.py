# label: forward-conv
# why: slides the kernel inside the input (an ordinary convolution), so the width shrinks
import numpy as np


def conv_transpose1d_minimal(x, weights):
    x, w = np.asarray(x, np.float32), np.asarray(weights, np.float32)
    k = w.shape[2]
    out = np.zeros((x.shape[0], w.shape[1], x.shape[2] - k + 1), np.float32)
    for i in range(out.shape[2]):
        out[:, :, i] = np.einsum("bik,iok->bo", x[:, :, i:i + k], w)
    return out

# label: padding
# why: pads K - 1 zeros on the left only, so the width stays W
import numpy as np


def conv_transpose1d_minimal(x, weights):
    x, w = np.asarray(x, np.float32), np.asarray(weights, np.float32)
    k = w.shape[2]
    xp = np.pad(x, ((0, 0), (0, 0), (k - 1, 0)))
    wf = w[:, :, ::-1]
    out = np.zeros((x.shape[0], w.shape[1], xp.shape[2] - k + 1), np.float32)
    for i in range(out.shape[2]):
        out[:, :, i] = np.einsum("bik,iok->bo", xp[:, :, i:i + k], wf)
    return out

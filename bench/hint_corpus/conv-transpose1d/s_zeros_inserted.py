# label: stride
# why: inserts stride zeros between inputs instead of stride - 1 before the flipped-kernel convolution
import numpy as np


def conv_transpose1d(x, weights, stride=1, padding=0):
    x, w = np.asarray(x, np.float32), np.asarray(weights, np.float32)
    b, c_in, width = x.shape
    _, c_out, k = w.shape
    d = np.zeros((b, c_in, (width - 1) * (stride + 1) + 1), np.float32)
    d[:, :, :: stride + 1] = x
    d = np.pad(d, ((0, 0), (0, 0), (k - 1, k - 1)))
    wf = w[:, :, ::-1]
    full = np.zeros((b, c_out, d.shape[2] - k + 1), np.float32)
    for i in range(full.shape[2]):
        full[:, :, i] = np.einsum("bik,iok->bo", d[:, :, i:i + k], wf)
    return full[:, :, padding: full.shape[2] - padding]

# label: kernel-flip
# why: on the dilate-pad-convolve route, slides the kernel without reversing it
import numpy as np


def conv_transpose1d(x, weights, stride=1, padding=0):
    x, w = np.asarray(x, np.float32), np.asarray(weights, np.float32)
    b, c_in, width = x.shape
    _, c_out, k = w.shape
    d = np.zeros((b, c_in, (width - 1) * stride + 1), np.float32)
    d[:, :, ::stride] = x
    edge = k - 1 - padding
    if edge >= 0:
        d = np.pad(d, ((0, 0), (0, 0), (edge, edge)))
    else:
        d = d[:, :, -edge: d.shape[2] + edge]
    out = np.zeros((b, c_out, d.shape[2] - k + 1), np.float32)
    for i in range(out.shape[2]):
        out[:, :, i] = np.einsum("bik,iok->bo", d[:, :, i:i + k], w)
    return out

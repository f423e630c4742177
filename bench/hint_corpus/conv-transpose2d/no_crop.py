# label: padding
# why: returns the whole scatter canvas; padding is never used to crop it
import numpy as np


def _two(v):
    return (int(v[0]), int(v[1])) if isinstance(v, tuple | list) else (int(v), int(v))


def _scatter(x, w, sh, sw):
    b, _, h, wd = x.shape
    _, c_out, kh, kw = w.shape
    out = np.zeros((b, c_out, (h - 1) * sh + kh, (wd - 1) * sw + kw), np.float32)
    for i in range(h):
        for j in range(wd):
            out[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += np.einsum("bc,cokl->bokl", x[:, :, i, j], w)
    return out


def conv_transpose2d(x, weights, stride=1, padding=0):
    sh, sw = _two(stride)
    return _scatter(np.asarray(x, np.float32), np.asarray(weights, np.float32), sh, sw)

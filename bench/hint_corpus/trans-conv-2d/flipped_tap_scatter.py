# label: kernel-flip
# why: scatters the kernel rotated by 180 degrees, mixing the gather (flipped) form into the scatter form
import numpy as np


def trans_conv(X, K):
    X, K = np.asarray(X, np.float32), np.asarray(K, np.float32)
    kh, kw = K.shape
    Y = np.zeros((X.shape[0] + kh - 1, X.shape[1] + kw - 1), np.float32)
    for a in range(kh):
        for b in range(kw):
            Y[a:a + X.shape[0], b:b + X.shape[1]] += K[kh - 1 - a, kw - 1 - b] * X
    return Y

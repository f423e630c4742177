# label: kernel-flip
# why: pads X by k - 1 and correlates with K itself; the gather form needs the kernel flipped
import numpy as np


def trans_conv(X, K):
    X, K = np.asarray(X, np.float32), np.asarray(K, np.float32)
    kh, kw = K.shape
    P = np.pad(X, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    Y = np.zeros((X.shape[0] + kh - 1, X.shape[1] + kw - 1), np.float32)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (P[i:i + kh, j:j + kw] * K).sum()
    return Y

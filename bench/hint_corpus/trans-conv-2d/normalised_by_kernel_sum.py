# label: scale
# why: divides by the kernel's total weight, as if the scatter had to preserve the input's mass
import numpy as np


def trans_conv(X, K):
    X, K = np.asarray(X, np.float32), np.asarray(K, np.float32)
    kh, kw = K.shape
    Y = np.zeros((X.shape[0] + kh - 1, X.shape[1] + kw - 1), np.float32)
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            Y[i:i + kh, j:j + kw] += X[i, j] * K
    return Y / np.abs(K).sum()

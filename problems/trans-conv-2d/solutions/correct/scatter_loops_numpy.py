# expect: accepted
# framework: numpy
# The definition as written: every input element adds a scaled copy of the kernel.
import numpy as np


def trans_conv(X, K):
    X = np.asarray(X, dtype=np.float32)
    K = np.asarray(K, dtype=np.float32)
    h, w = K.shape
    Y = np.zeros((X.shape[0] + h - 1, X.shape[1] + w - 1), dtype=np.float32)
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            Y[i : i + h, j : j + w] += X[i, j] * K
    return Y

# expect: runtime_error
# mistake: Kernels need not be square: read k_h and k_w separately from K.shape.
# label: other
import numpy as np


def trans_conv(X, K):
    X = np.asarray(X, dtype=np.float32)
    K = np.asarray(K, dtype=np.float32)
    k = K.shape[0]
    Y = np.zeros((X.shape[0] + k - 1, X.shape[1] + k - 1), dtype=np.float32)
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            Y[i : i + k, j : j + k] += X[i, j] * K
    return Y

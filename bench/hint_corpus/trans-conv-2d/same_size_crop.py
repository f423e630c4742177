# label: padding
# why: crops the result back to X's size as a 'same' convolution would
import numpy as np


def trans_conv(X, K):
    X, K = np.asarray(X, np.float32), np.asarray(K, np.float32)
    kh, kw = K.shape
    Y = np.zeros((X.shape[0] + kh - 1, X.shape[1] + kw - 1), np.float32)
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            Y[i:i + kh, j:j + kw] += X[i, j] * K
    top, left = (kh - 1) // 2, (kw - 1) // 2
    return Y[top:top + X.shape[0], left:left + X.shape[1]]

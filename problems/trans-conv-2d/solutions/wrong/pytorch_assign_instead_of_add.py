# expect: wrong_answer
# framework: pytorch
# Overwrites overlapping contributions instead of summing them.
import torch


def trans_conv(X, K):
    h, w = K.shape
    Y = torch.zeros(X.shape[0] + h - 1, X.shape[1] + w - 1, dtype=X.dtype)
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            Y[i:i + h, j:j + w] = X[i, j] * K
    return Y

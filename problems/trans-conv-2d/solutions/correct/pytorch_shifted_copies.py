# expect: accepted
# framework: pytorch
# One shifted, scaled copy of X per kernel entry.
import torch


def trans_conv(X, K):
    n_h, n_w = X.shape
    Y = torch.zeros(n_h + K.shape[0] - 1, n_w + K.shape[1] - 1, dtype=X.dtype)
    for a in range(K.shape[0]):
        for b in range(K.shape[1]):
            Y[a:a + n_h, b:b + n_w] += K[a, b] * X
    return Y

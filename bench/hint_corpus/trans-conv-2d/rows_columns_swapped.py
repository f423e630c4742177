# label: layout
# why: works on X.T and K.T (columns as rows) and forgets to transpose the result back
import numpy as np


def trans_conv(X, K):
    Xt, Kt = np.asarray(X, np.float32).T, np.asarray(K, np.float32).T
    kh, kw = Kt.shape
    Y = np.zeros((Xt.shape[0] + kh - 1, Xt.shape[1] + kw - 1), np.float32)
    for i in range(Xt.shape[0]):
        for j in range(Xt.shape[1]):
            Y[i:i + kh, j:j + kw] += Xt[i, j] * Kt
    return Y

# label: accumulate
# why: writes each kernel tap's copy with = so later taps overwrite the overlaps instead of adding
import numpy as np


def trans_conv(X, K):
    X, K = np.asarray(X, np.float32), np.asarray(K, np.float32)
    kh, kw = K.shape
    Y = np.zeros((X.shape[0] + kh - 1, X.shape[1] + kw - 1), np.float32)
    for a in range(kh):
        for b in range(kw):
            Y[a:a + X.shape[0], b:b + X.shape[1]] = K[a, b] * X
    return Y

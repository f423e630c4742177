# expect: wrong_answer
# mistake: Image rows are in_w entries apart in X.ravel(); the column index is (i+a)*in_w + (j+b).
# label: layout
import numpy as np


def kernel2matrix(K, in_h, in_w):
    K = np.asarray(K, dtype=np.float32)
    kh, kw = K.shape
    out_h, out_w = in_h - kh + 1, in_w - kw + 1
    W = np.zeros((out_h * out_w, in_h * in_w), dtype=np.float32)
    for i in range(out_h):
        for j in range(out_w):
            for a in range(kh):
                for b in range(kw):
                    W[i * out_w + j, (i + a) * in_h + (j + b)] = K[a, b]
    return W

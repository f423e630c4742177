# label: layout
# why: numbers the output positions column-major (j * out_h + i) instead of row-major
import numpy as np


def kernel2matrix(K, in_h, in_w):
    K = np.asarray(K, np.float32)
    kh, kw = K.shape
    oh, ow = in_h - kh + 1, in_w - kw + 1
    W = np.zeros((oh * ow, in_h * in_w), np.float32)
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    W[j * oh + i, (i + a) * in_w + j + b] = K[a, b]
    return W

# label: layout
# why: builds the matrix with one row per input pixel, i.e. the transpose of W
import numpy as np


def kernel2matrix(K, in_h, in_w):
    K = np.asarray(K, np.float32)
    kh, kw = K.shape
    oh, ow = in_h - kh + 1, in_w - kw + 1
    W = np.zeros((in_h * in_w, oh * ow), np.float32)
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    W[(i + a) * in_w + j + b, i * ow + j] = K[a, b]
    return W

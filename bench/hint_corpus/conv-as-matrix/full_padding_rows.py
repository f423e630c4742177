# label: padding
# why: includes the zero-padded border positions as outputs (a 'full' convolution)
import numpy as np


def kernel2matrix(K, in_h, in_w):
    K = np.asarray(K, np.float32)
    kh, kw = K.shape
    oh, ow = in_h + kh - 1, in_w + kw - 1
    W = np.zeros((oh * ow, in_h * in_w), np.float32)
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    r, c = i + a - (kh - 1), j + b - (kw - 1)
                    if 0 <= r < in_h and 0 <= c < in_w:
                        W[i * ow + j, r * in_w + c] = K[a, b]
    return W

# label: scale
# why: divides the kernel by its number of taps, as if the convolution averaged its window
import numpy as np


def kernel2matrix(K, in_h, in_w):
    K = np.asarray(K, np.float32) / np.asarray(K).size
    kh, kw = K.shape
    oh, ow = in_h - kh + 1, in_w - kw + 1
    W = np.zeros((oh * ow, in_h * in_w), np.float32)
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    W[i * ow + j, (i + a) * in_w + j + b] = K[a, b]
    return W

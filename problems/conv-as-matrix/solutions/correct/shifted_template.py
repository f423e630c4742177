# expect: accepted
# framework: numpy
# Every row of W is the same template shifted: lay the kernel rows out in_w apart once,
# then copy that strip into each row, starting at the column of the window's corner.
import numpy as np


def kernel2matrix(K, in_h, in_w):
    K = np.asarray(K, dtype=np.float32)
    kh, kw = K.shape
    out_h, out_w = in_h - kh + 1, in_w - kw + 1
    # Pad each kernel row with zeros up to in_w, join the rows, drop the trailing zeros.
    template = np.pad(K, ((0, 0), (0, in_w - kw))).reshape(-1)[: (kh - 1) * in_w + kw]
    W = np.zeros((out_h * out_w, in_h * in_w), dtype=np.float32)
    for i in range(out_h):
        for j in range(out_w):
            start = i * in_w + j
            W[i * out_w + j, start : start + template.size] = template
    return W

# expect: wrong_answer
# mistake: W maps the input to the output, so it has one row per output: shape (o_h*o_w, h*w).
# label: layout
import numpy as np


def kernel2matrix(K, in_h, in_w):
    K = np.asarray(K, dtype=np.float32)
    kh, kw = K.shape
    out_h, out_w = in_h - kh + 1, in_w - kw + 1
    W = np.zeros((in_h * in_w, out_h * out_w), dtype=np.float32)
    for i in range(out_h):
        for j in range(out_w):
            for a in range(kh):
                for b in range(kw):
                    W[(i + a) * in_w + (j + b), i * out_w + j] = K[a, b]
    return W

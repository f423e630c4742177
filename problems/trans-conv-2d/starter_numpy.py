import numpy as np

# NumPy: every array input is a NumPy array (float32); return a NumPy array.


def trans_conv(X, K):
    """2-D transposed convolution: one channel, stride 1, no padding.

    X has shape (n_h, n_w), K has shape (k_h, k_w).
    Return an array of shape (n_h + k_h - 1, n_w + k_w - 1) in which every X[i, j]
    has added X[i, j] * K starting at row i, column j.
    """
    raise NotImplementedError("trans_conv is not written yet")

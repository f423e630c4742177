import numpy as np

# NumPy: every array input is a NumPy array (float32); return a NumPy array.


def kernel2matrix(K, in_h, in_w):
    """The matrix W of a valid 2-D cross-correlation with kernel K (stride 1).

    K has shape (k_h, k_w); the input image has shape (in_h, in_w).
    Return W of shape ((in_h - k_h + 1) * (in_w - k_w + 1), in_h * in_w) such that
    conv2d(X, K).ravel() == W @ X.ravel().
    """
    raise NotImplementedError("kernel2matrix is not written yet")

# expect: wrong_answer
# framework: pytorch
# Returns W.T, the transposed convolution's matrix.
import torch


def kernel2matrix(K, in_h, in_w):
    k_h, k_w = K.shape
    rows = []
    for i in range(in_h - k_h + 1):
        for j in range(in_w - k_w + 1):
            canvas = torch.zeros(in_h, in_w, dtype=K.dtype)
            canvas[i:i + k_h, j:j + k_w] = K
            rows.append(canvas.reshape(-1))
    return torch.stack(rows).T

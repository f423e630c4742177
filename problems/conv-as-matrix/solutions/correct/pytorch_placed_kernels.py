# expect: accepted
# framework: pytorch
# Row (i, j) of W is the kernel placed at (i, j) on an in_h x in_w canvas, flattened.
import torch


def kernel2matrix(K, in_h, in_w):
    k_h, k_w = K.shape
    rows = []
    for i in range(in_h - k_h + 1):
        for j in range(in_w - k_w + 1):
            canvas = torch.zeros(in_h, in_w, dtype=K.dtype)
            canvas[i:i + k_h, j:j + k_w] = K
            rows.append(canvas.reshape(-1))
    return torch.stack(rows)

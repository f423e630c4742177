# expect: accepted
# framework: pytorch
import torch


def kernel2matrix(K, in_h, in_w):
    k_h, k_w = K.shape
    out_h, out_w = in_h - k_h + 1, in_w - k_w + 1
    W = torch.zeros(out_h * out_w, in_h * in_w, dtype=K.dtype)
    for i in range(out_h):
        for j in range(out_w):
            for a in range(k_h):
                for b in range(k_w):
                    W[i * out_w + j, (i + a) * in_w + (j + b)] = K[a, b]
    return W

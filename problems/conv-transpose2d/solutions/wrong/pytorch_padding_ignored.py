# expect: wrong_answer
# framework: pytorch
# Never crops the padding: the output is 2p rows and columns too large.
import torch


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv_transpose2d(x, weights, stride=1, padding=0):
    sh, sw = _pair(stride)
    batch, _, h, w = x.shape
    _, c_out, kh, kw = weights.shape
    out = torch.zeros(batch, c_out, (h - 1) * sh + kh, (w - 1) * sw + kw, dtype=x.dtype)
    for a in range(kh):
        for b in range(kw):
            out[:, :, a:a + (h - 1) * sh + 1:sh, b:b + (w - 1) * sw + 1:sw] += torch.einsum(
                "bchw,co->bohw", x, weights[:, :, a, b])
    return out

# expect: accepted
# framework: pytorch
# Space the input out by the stride, pad k - 1 on every side, slide the flipped kernel
# (a cross-correlation, as einsums over kernel positions), crop the padding.
import torch
import torch.nn.functional as F


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv_transpose2d(x, weights, stride=1, padding=0):
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    batch, c_in, h, w = x.shape
    kh, kw = weights.shape[2:]
    spaced = torch.zeros(batch, c_in, (h - 1) * sh + 1, (w - 1) * sw + 1, dtype=x.dtype)
    spaced[:, :, ::sh, ::sw] = x
    padded = F.pad(spaced, (kw - 1, kw - 1, kh - 1, kh - 1))
    out_h, out_w = (h - 1) * sh + kh, (w - 1) * sw + kw
    flipped = torch.flip(weights, dims=(2, 3))
    out = 0
    for a in range(kh):
        for b in range(kw):
            out = out + torch.einsum("bchw,co->bohw", padded[:, :, a:a + out_h, b:b + out_w],
                                     flipped[:, :, a, b])
    return out[:, :, ph:out_h - ph, pw:out_w - pw]

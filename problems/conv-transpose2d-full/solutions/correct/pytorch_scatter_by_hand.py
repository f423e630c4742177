# expect: accepted
# framework: pytorch
# Every input pixel adds its dilated kernel, per group, at stride offsets; crop the padding.
import torch


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv_transpose2d_full(x, weight, bias, stride=1, padding=0, output_padding=0, groups=1,
                          dilation=1):
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    (oh, ow), (dh, dw) = _pair(output_padding), _pair(dilation)
    n, c_in, h, w = x.shape
    _, c_out_g, kh, kw = weight.shape
    c_in_g = c_in // groups
    full_h = (h - 1) * sh + dh * (kh - 1) + 1 + oh
    full_w = (w - 1) * sw + dw * (kw - 1) + 1 + ow
    out = torch.zeros(n, c_out_g * groups, full_h, full_w, dtype=x.dtype)
    for g in range(groups):
        xs = x[:, g * c_in_g:(g + 1) * c_in_g]
        ws = weight[g * c_in_g:(g + 1) * c_in_g]
        for a in range(kh):
            for b in range(kw):
                r, c = a * dh, b * dw
                out[:, g * c_out_g:(g + 1) * c_out_g, r:r + (h - 1) * sh + 1:sh,
                    c:c + (w - 1) * sw + 1:sw] += torch.einsum("nchw,co->nohw", xs, ws[:, :, a, b])
    out = out[:, :, ph:full_h - ph, pw:full_w - pw]
    return out + bias.reshape(1, -1, 1, 1)

# expect: accepted
# No library convolution: each kernel tap (a, b) adds a channel-mixed copy of the input
# to a strided slice of the canvas, offset by (a * d_H, b * d_W), group by group.
import jax.numpy as jnp


def as_pair(v):
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def conv_transpose2d_full(x, weight, bias, stride=1, padding=0, output_padding=0, groups=1,
                          dilation=1):
    (sh, sw), (ph, pw) = as_pair(stride), as_pair(padding)
    (oph, opw), (dh, dw) = as_pair(output_padding), as_pair(dilation)
    n, cin, h, w = x.shape
    _, cout_g, kh, kw = weight.shape
    cin_g = cin // groups
    out_h = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1
    out_w = (w - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1
    # A canvas big enough for every stamp and for the output window [p, p + out).
    canvas_h = max((h - 1) * sh + dh * (kh - 1) + 1, ph + out_h)
    canvas_w = max((w - 1) * sw + dw * (kw - 1) + 1, pw + out_w)
    canvas = jnp.zeros((n, cout_g * groups, canvas_h, canvas_w), x.dtype)
    for g in range(groups):
        xg = x[:, g * cin_g : (g + 1) * cin_g]
        wg = weight[g * cin_g : (g + 1) * cin_g]
        for a in range(kh):
            for b in range(kw):
                mixed = jnp.einsum("nchw,co->nohw", xg, wg[:, :, a, b])
                canvas = canvas.at[
                    :, g * cout_g : (g + 1) * cout_g,
                    a * dh : a * dh + (h - 1) * sh + 1 : sh,
                    b * dw : b * dw + (w - 1) * sw + 1 : sw,
                ].add(mixed)
    out = canvas[:, :, ph : ph + out_h, pw : pw + out_w]
    return out + bias[:, None, None]

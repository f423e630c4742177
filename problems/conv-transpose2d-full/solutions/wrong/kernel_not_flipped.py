# expect: wrong_answer
# mistake: As a convolution over the dilated input, the kernel must be flipped in H and W.
# label: kernel-flip
import jax


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv_transpose2d_full(x, weight, bias, stride=1, padding=0, output_padding=0, groups=1,
                          dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    oph, opw = pair(output_padding)
    cin, cout_g, kh, kw = weight.shape
    k = weight.reshape(groups, cin // groups, cout_g, kh, kw).transpose(0, 2, 1, 3, 4)
    k = k.reshape(groups * cout_g, cin // groups, kh, kw)
    eh, ew = dh * (kh - 1) - ph, dw * (kw - 1) - pw
    y = jax.lax.conv_general_dilated(
        x, k, (1, 1), ((eh, eh + oph), (ew, ew + opw)), lhs_dilation=(sh, sw),
        rhs_dilation=(dh, dw), dimension_numbers=("NCHW", "OIHW", "NCHW"),
        feature_group_count=groups)
    return y + bias[None, :, None, None]

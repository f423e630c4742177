# expect: wrong_answer
# mistake: Dilation spaces out the kernel taps (rhs_dilation); the stride dilates the input.
# label: dilation
import jax
import jax.numpy as jnp


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv_transpose2d_full(x, weight, bias, stride=1, padding=0, output_padding=0, groups=1,
                          dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    oph, opw = pair(output_padding)
    cin, cout_g, kh, kw = weight.shape
    k = weight.reshape(groups, cin // groups, cout_g, kh, kw).transpose(0, 2, 1, 3, 4)
    k = jnp.flip(k.reshape(groups * cout_g, cin // groups, kh, kw), axis=(2, 3))
    eh, ew = dh * (kh - 1) - ph, dw * (kw - 1) - pw
    y = jax.lax.conv_general_dilated(
        x, k, (1, 1), ((eh, eh + oph), (ew, ew + opw)), lhs_dilation=(sh * dh, sw * dw),
        dimension_numbers=("NCHW", "OIHW", "NCHW"), feature_group_count=groups)
    return y + bias[None, :, None, None]

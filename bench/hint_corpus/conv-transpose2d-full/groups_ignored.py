# label: layout
# why: ignores groups and reads the weight as (C_out, C_in) for one big convolution
import jax
import jax.numpy as jnp


def _two(v):
    return (int(v[0]), int(v[1])) if isinstance(v, tuple | list) else (int(v), int(v))


def conv_transpose2d_full(x, weight, bias, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    (sh, sw), (ph, pw) = _two(stride), _two(padding)
    (oh, ow), (dh, dw) = _two(output_padding), _two(dilation)
    x, weight = jnp.asarray(x), jnp.asarray(weight)
    _, c_out, kh, kw = weight.shape
    k = weight.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1]
    eh, ew = dh * (kh - 1) - ph, dw * (kw - 1) - pw
    y = jax.lax.conv_general_dilated(
        x, k, (1, 1), ((eh, eh + oh), (ew, ew + ow)), lhs_dilation=(sh, sw), rhs_dilation=(dh, dw),
        dimension_numbers=("NCHW", "OIHW", "NCHW"))
    return y + jnp.asarray(bias)[None, :c_out, None, None]

# label: kernel-flip
# why: convolves the dilated input with the kernel as stored, without flipping it
import jax
import jax.numpy as jnp


def _two(v):
    return (int(v[0]), int(v[1])) if isinstance(v, tuple | list) else (int(v), int(v))


def _conv(x, weight, stride, padding, output_padding, groups, dilation, flip=True, dilate=True):
    (sh, sw), (ph, pw) = _two(stride), _two(padding)
    (oh, ow), (dh, dw) = _two(output_padding), _two(dilation)
    if not dilate:
        dh = dw = 1
    groups = int(groups)
    c_in, c_out_g, kh, kw = weight.shape
    k = weight.reshape(groups, c_in // groups, c_out_g, kh, kw).transpose(0, 2, 1, 3, 4)
    k = k.reshape(groups * c_out_g, c_in // groups, kh, kw)
    if flip:
        k = k[:, :, ::-1, ::-1]
    eh, ew = dh * (kh - 1) - ph, dw * (kw - 1) - pw
    return jax.lax.conv_general_dilated(
        x, k, (1, 1), ((eh, eh + oh), (ew, ew + ow)), lhs_dilation=(sh, sw), rhs_dilation=(dh, dw),
        dimension_numbers=("NCHW", "OIHW", "NCHW"), feature_group_count=groups)


def conv_transpose2d_full(x, weight, bias, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    y = _conv(jnp.asarray(x), jnp.asarray(weight), stride, padding, output_padding, groups, dilation,
              flip=False)
    return y + jnp.asarray(bias)[None, :, None, None]

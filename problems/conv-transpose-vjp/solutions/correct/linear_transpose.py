# expect: accepted
# The convolution is linear in its input, so jax.linear_transpose gives K^T directly.
import jax
import jax.numpy as jnp


def conv_transpose2d_vjp(x, weight, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    b, _, h, w = x.shape
    _, cout, kh, kw = weight.shape
    z_shape = (b, cout, (h - 1) * sh + kh - 2 * ph, (w - 1) * sw + kw - 2 * pw)

    def conv(z):
        return jax.lax.conv_general_dilated(z, weight, (sh, sw), [(ph, ph), (pw, pw)],
                                            dimension_numbers=("NCHW", "OIHW", "NCHW"))

    transpose = jax.linear_transpose(conv, jax.ShapeDtypeStruct(z_shape, jnp.float32))
    (y,) = transpose(jnp.asarray(x, jnp.float32))
    return y

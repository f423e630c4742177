# expect: wrong_answer
# mistake: Differentiate the convolution with respect to its input z, not its kernel.
# label: other
import jax
import jax.numpy as jnp


def conv_transpose2d_vjp(x, weight, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    b, _, h, w = x.shape
    _, cout, kh, kw = weight.shape
    z = jnp.zeros((b, cout, (h - 1) * sh + kh - 2 * ph, (w - 1) * sw + kw - 2 * pw), jnp.float32)

    def conv_of_kernel(k):
        return jax.lax.conv_general_dilated(z, k, (sh, sw), [(ph, ph), (pw, pw)],
                                            dimension_numbers=("NCHW", "OIHW", "NCHW"))

    _, pullback = jax.vjp(conv_of_kernel, jnp.asarray(weight))
    return pullback(jnp.asarray(x))[0]

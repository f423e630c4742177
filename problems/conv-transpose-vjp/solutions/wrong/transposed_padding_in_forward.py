# expect: runtime_error
# mistake: The forward conv uses padding p itself; k - 1 - p belongs to the dilate-and-convolve recipe.
# label: padding
import jax
import jax.numpy as jnp


def conv_transpose2d_vjp(x, weight, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    b, _, h, w = x.shape
    _, cout, kh, kw = weight.shape
    qh, qw = kh - 1 - ph, kw - 1 - pw

    def conv_forward(z):
        return jax.lax.conv_general_dilated(z, weight, (sh, sw), [(qh, qh), (qw, qw)],
                                            dimension_numbers=("NCHW", "OIHW", "NCHW"))

    z0 = jnp.zeros((b, cout, (h - 1) * sh + kh - 2 * ph, (w - 1) * sw + kw - 2 * pw), jnp.float32)
    _, pullback = jax.vjp(conv_forward, z0)
    return pullback(jnp.asarray(x))[0]

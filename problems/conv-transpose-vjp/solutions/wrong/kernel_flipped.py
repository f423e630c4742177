# expect: wrong_answer
# mistake: The VJP already does the flipping; flip the weight yourself and it is flipped twice.
# label: kernel-flip
import jax
import jax.numpy as jnp


def conv_transpose2d_vjp(x, weight, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    b, _, h, w = x.shape
    _, cout, kh, kw = weight.shape
    kernel = jnp.flip(jnp.asarray(weight), axis=(2, 3))

    def conv_forward(z):
        return jax.lax.conv_general_dilated(z, kernel, (sh, sw), [(ph, ph), (pw, pw)],
                                            dimension_numbers=("NCHW", "OIHW", "NCHW"))

    z0 = jnp.zeros((b, cout, (h - 1) * sh + kh - 2 * ph, (w - 1) * sw + kw - 2 * pw), jnp.float32)
    _, pullback = jax.vjp(conv_forward, z0)
    return pullback(jnp.asarray(x))[0]

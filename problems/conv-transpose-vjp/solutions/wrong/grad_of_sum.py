# expect: wrong_answer
# mistake: The cotangent must be x; the gradient of sum(f(z)) uses a cotangent of all ones.
# label: other
import jax
import jax.numpy as jnp


def conv_transpose2d_vjp(x, weight, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    b, _, h, w = x.shape
    _, cout, kh, kw = weight.shape

    def total(z):
        return jnp.sum(jax.lax.conv_general_dilated(z, weight, (sh, sw), [(ph, ph), (pw, pw)],
                                                    dimension_numbers=("NCHW", "OIHW", "NCHW")))

    z0 = jnp.zeros((b, cout, (h - 1) * sh + kh - 2 * ph, (w - 1) * sw + kw - 2 * pw), jnp.float32)
    return jax.grad(total)(z0)

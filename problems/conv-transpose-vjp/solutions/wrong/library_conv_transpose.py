# expect: compile_error
# mistake: The point is to get it from the convolution's VJP; jax.lax.conv_transpose is not allowed.
import jax.numpy as jnp
from jax.lax import conv_transpose


def conv_transpose2d_vjp(x, weight, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    kh, kw = weight.shape[2:]
    return conv_transpose(jnp.asarray(x), jnp.asarray(weight), (sh, sw),
                          [(kh - 1 - ph, kh - 1 - ph), (kw - 1 - pw, kw - 1 - pw)],
                          dimension_numbers=("NCHW", "OIHW", "NCHW"), transpose_kernel=True)

# expect: compile_error
# mistake: This exercise asks you to build the operation; jax.lax.conv_transpose is not allowed.
import jax.numpy as jnp
from jax import lax


def conv_transpose2d(x, weights, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    kh, kw = weights.shape[2:]
    return lax.conv_transpose(
        jnp.asarray(x), jnp.asarray(weights), strides=(sh, sw),
        padding=((kh - 1 - ph, kh - 1 - ph), (kw - 1 - pw, kw - 1 - pw)),
        dimension_numbers=("NCHW", "OIHW", "NCHW"), transpose_kernel=True,
    )

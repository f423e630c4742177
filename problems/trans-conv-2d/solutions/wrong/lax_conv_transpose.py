# expect: compile_error
# mistake: This exercise asks you to scatter the kernel yourself; lax.conv_transpose is off-limits.
import jax.numpy as jnp
from jax import lax


def trans_conv(X, K):
    y = lax.conv_transpose(
        jnp.asarray(X)[None, None],
        jnp.asarray(K)[::-1, ::-1][None, None],
        strides=(1, 1),
        padding="VALID",
        dimension_numbers=("NCHW", "OIHW", "NCHW"),
    )
    return y[0, 0]

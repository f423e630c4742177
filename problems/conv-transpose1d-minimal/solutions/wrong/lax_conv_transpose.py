# expect: compile_error
# mistake: jax.lax.conv_transpose is the ready-made operator; build it from pad, flip and sums.
import jax.numpy as jnp
from jax.lax import conv_transpose


def conv_transpose1d_minimal(x, weights):
    return conv_transpose(
        jnp.asarray(x),
        jnp.asarray(weights),
        strides=(1,),
        padding="VALID",
        dimension_numbers=("NCH", "OIH", "NCH"),
        transpose_kernel=True,
    )

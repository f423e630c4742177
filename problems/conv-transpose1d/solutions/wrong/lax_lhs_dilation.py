# expect: compile_error
# mistake: lax.conv_general_dilated with lhs_dilation is the ready-made op; write the sums yourself.
import jax.numpy as jnp
from jax import lax


def conv_transpose1d(x, weights, stride=1, padding=0):
    k = weights.shape[-1]
    w = jnp.transpose(jnp.flip(jnp.asarray(weights), -1), (1, 0, 2))
    return lax.conv_general_dilated(
        jnp.asarray(x), w, window_strides=(1,),
        padding=[(k - 1 - padding, k - 1 - padding)], lhs_dilation=(stride,),
    )

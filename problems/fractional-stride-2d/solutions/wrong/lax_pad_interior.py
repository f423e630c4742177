# expect: compile_error
# mistake: jax.lax.pad's interior padding is the operation itself; build the spacing by hand.
# jax.lax.pad can insert "interior" padding between elements: stride - 1 zeros per gap.
import jax
import jax.numpy as jnp


def fractional_stride_2d(x, stride_h, stride_w):
    x = jnp.asarray(x)
    config = [(0, 0, 0), (0, 0, 0), (0, 0, int(stride_h) - 1), (0, 0, int(stride_w) - 1)]
    return jax.lax.pad(x, jnp.zeros((), x.dtype), config)

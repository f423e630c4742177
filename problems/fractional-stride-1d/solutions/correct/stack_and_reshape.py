# expect: accepted
# Glue stride - 1 zeros after every element, flatten the pairs, then drop the zeros
# that trail the last element.
import jax.numpy as jnp


def fractional_stride_1d(x, stride=1):
    x = jnp.asarray(x)
    width = x.shape[-1]
    zeros = jnp.zeros((*x.shape, stride - 1), dtype=x.dtype)
    blocks = jnp.concatenate([x[..., None], zeros], axis=-1)  # (..., width, stride)
    flat = blocks.reshape(*x.shape[:-1], width * stride)
    return flat[..., : (width - 1) * stride + 1]

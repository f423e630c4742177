# label: stride
# why: pairs every element with stride - 1 zeros, including after the last one
import jax.numpy as jnp


def fractional_stride_1d(x, stride=1):
    x = jnp.asarray(x)
    s = int(stride)
    parts = [x] + [jnp.zeros_like(x)] * (s - 1)
    return jnp.stack(parts, axis=-1).reshape(*x.shape[:-1], x.shape[-1] * s)

# expect: wrong_answer
# mistake: The gaps must hold zeros; repeating each value is nearest-neighbour upsampling.
# label: stride
import jax.numpy as jnp


def fractional_stride_1d(x, stride=1):
    x = jnp.asarray(x)
    width = x.shape[-1]
    return jnp.repeat(x, stride, axis=-1)[..., : (width - 1) * stride + 1]

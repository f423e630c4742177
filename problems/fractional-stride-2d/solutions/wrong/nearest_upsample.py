# expect: wrong_answer
# mistake: The gaps must hold zeros; repeating each value is nearest-neighbour upsampling.
# label: stride
import jax.numpy as jnp


def fractional_stride_2d(x, stride_h, stride_w):
    h, w = x.shape[-2:]
    up = jnp.repeat(jnp.repeat(x, stride_h, axis=2), stride_w, axis=3)
    return up[:, :, : (h - 1) * stride_h + 1, : (w - 1) * stride_w + 1]

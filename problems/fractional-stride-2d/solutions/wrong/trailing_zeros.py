# expect: wrong_answer
# mistake: Zeros go only between values: the size is (H - 1) * s + 1, not H * s.
# label: stride
import jax.numpy as jnp


def fractional_stride_2d(x, stride_h, stride_w):
    b, c, h, w = x.shape
    out = jnp.zeros((b, c, h * stride_h, w * stride_w), dtype=x.dtype)
    return out.at[:, :, ::stride_h, ::stride_w].set(x)

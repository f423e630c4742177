"""Reference solution for ``fractional-stride-2d``.

Written exactly as a learner would submit it: the grader imports this module and calls
``fractional_stride_2d(x=..., stride_h=..., stride_w=...)``.
"""

import jax.numpy as jnp


def fractional_stride_2d(x, stride_h, stride_w):
    x = jnp.asarray(x)
    stride_h = int(stride_h)
    stride_w = int(stride_w)
    batch, channels, height, width = x.shape
    out_h = (height - 1) * stride_h + 1
    out_w = (width - 1) * stride_w + 1
    out = jnp.zeros((batch, channels, out_h, out_w), dtype=x.dtype)
    return out.at[:, :, ::stride_h, ::stride_w].set(x)

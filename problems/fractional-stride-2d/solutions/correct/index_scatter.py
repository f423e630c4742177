# expect: accepted
# Scatter with explicit row and column index grids.
import jax.numpy as jnp


def fractional_stride_2d(x, stride_h, stride_w):
    b, c, h, w = x.shape
    rows = jnp.arange(h) * stride_h
    cols = jnp.arange(w) * stride_w
    out = jnp.zeros((b, c, (h - 1) * stride_h + 1, (w - 1) * stride_w + 1), x.dtype)
    return out.at[:, :, rows[:, None], cols[None, :]].set(x)

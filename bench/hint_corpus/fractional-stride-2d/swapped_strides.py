# label: layout
# why: applies stride_w to the rows and stride_h to the columns
import jax.numpy as jnp


def fractional_stride_2d(x, stride_h, stride_w):
    x = jnp.asarray(x)
    b, c, h, w = x.shape
    sh, sw = int(stride_w), int(stride_h)
    out = jnp.zeros((b, c, (h - 1) * sh + 1, (w - 1) * sw + 1), x.dtype)
    return out.at[:, :, ::sh, ::sw].set(x)

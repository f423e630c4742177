# expect: accepted
# Give every value its own (stride_h, stride_w) block with the value in the top-left
# corner, flatten the blocks into the image, then cut off the trailing zeros.
import jax.numpy as jnp


def fractional_stride_2d(x, stride_h, stride_w):
    sh, sw = int(stride_h), int(stride_w)
    b, c, h, w = x.shape
    corner = jnp.zeros((sh, sw), dtype=x.dtype).at[0, 0].set(1)
    blocks = x[:, :, :, None, :, None] * corner[None, None, None, :, None, :]
    tiled = blocks.reshape(b, c, h * sh, w * sw)
    return tiled[:, :, : (h - 1) * sh + 1, : (w - 1) * sw + 1]

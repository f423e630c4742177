# expect: accepted
# Flax's uniform(scale) draws U[0, scale); scale 2b shifted by -b is U[-b, b]. The
# forward pass scatters all (pixel, tap) products at once with index grids.
import math

import flax.linen as nn
import jax.numpy as jnp


class ConvTranspose2d(nn.Module):
    in_channels: int
    out_channels: int
    kernel_size: int | tuple[int, int]
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0

    @nn.compact
    def __call__(self, x):
        def two(v):
            return (v, v) if isinstance(v, int) else tuple(v)

        (kh, kw), (sh, sw), (ph, pw) = two(self.kernel_size), two(self.stride), two(self.padding)
        bound = 1 / math.sqrt(self.out_channels * kh * kw)
        draw = nn.initializers.uniform(scale=2 * bound)
        weight = self.param("weight", lambda key, shape: draw(key, shape) - bound,
                            (self.in_channels, self.out_channels, kh, kw))

        n, _, h, w = x.shape
        products = jnp.einsum("nchw,coab->nohawb", x, weight)
        rows = (jnp.arange(h) * sh)[:, None] + jnp.arange(kh)[None, :]
        cols = (jnp.arange(w) * sw)[:, None] + jnp.arange(kw)[None, :]
        full_h, full_w = (h - 1) * sh + kh, (w - 1) * sw + kw
        canvas = jnp.zeros((n, self.out_channels, full_h, full_w), x.dtype)
        canvas = canvas.at[:, :, rows[:, :, None, None], cols[None, None, :, :]].add(products)
        return canvas[:, :, ph : full_h - ph, pw : full_w - pw]

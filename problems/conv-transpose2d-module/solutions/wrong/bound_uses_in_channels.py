# expect: wrong_answer
# mistake: For a transposed conv k = 1 / (out_channels * kH * kW); in_channels gives the wrong range.
# label: scale
import flax.linen as nn
import jax
import jax.numpy as jnp


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


class ConvTranspose2d(nn.Module):
    in_channels: int
    out_channels: int
    kernel_size: int | tuple[int, int]
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0

    @nn.compact
    def __call__(self, x):
        (kh, kw), (sh, sw), (ph, pw) = pair(self.kernel_size), pair(self.stride), pair(self.padding)
        bound = (1 / (self.in_channels * kh * kw)) ** 0.5
        weight = self.param(
            "weight",
            lambda key, shape: jax.random.uniform(key, shape, jnp.float32, -bound, bound),
            (self.in_channels, self.out_channels, kh, kw),
        )

        n, _, h, w = x.shape
        full_h, full_w = (h - 1) * sh + kh, (w - 1) * sw + kw
        canvas = jnp.zeros((n, self.out_channels, full_h, full_w), x.dtype)
        for a in range(kh):
            for b in range(kw):
                canvas = canvas.at[:, :, a : a + (h - 1) * sh + 1 : sh, b : b + (w - 1) * sw + 1 : sw].add(
                    jnp.einsum("nchw,co->nohw", x, weight[:, :, a, b]))
        return canvas[:, :, ph : full_h - ph, pw : full_w - pw]

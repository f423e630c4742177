# expect: accepted
# The exercise's own recipe for the weight, sf * (2 * U[0, 1) - 1); it differs from
# uniform(minval, maxval) only by float rounding. The taps are placed with lax.pad.
import flax.linen as nn
import jax
import jax.numpy as jnp


class ConvTranspose2d(nn.Module):
    in_channels: int
    out_channels: int
    kernel_size: int | tuple[int, int]
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0

    @nn.compact
    def __call__(self, x):
        kh, kw = self.kernel_size if isinstance(self.kernel_size, tuple) else (self.kernel_size,) * 2
        sh, sw = self.stride if isinstance(self.stride, tuple) else (self.stride,) * 2
        ph, pw = self.padding if isinstance(self.padding, tuple) else (self.padding,) * 2
        sf = 1 / (self.out_channels * kh * kw) ** 0.5
        weight = self.param(
            "weight",
            lambda key, shape: sf * (2 * jax.random.uniform(key, shape, jnp.float32) - 1),
            (self.in_channels, self.out_channels, kh, kw),
        )
        n, _, h, w = x.shape
        # For each tap (a, b): mix the channels, space the result out with lax.pad's
        # interior padding, and shift it by (a, b) with edge padding.
        zero = jnp.zeros((), x.dtype)
        out = 0
        for a in range(kh):
            for b in range(kw):
                mixed = jnp.einsum("nchw,co->nohw", x, weight[:, :, a, b])
                out = out + jax.lax.pad(mixed, zero, [(0, 0, 0), (0, 0, 0),
                                                      (a, kh - 1 - a, sh - 1),
                                                      (b, kw - 1 - b, sw - 1)])
        return out[:, :, ph : out.shape[2] - ph, pw : out.shape[3] - pw]

# label: scale
# why: uses k = 1 / (C_in * kH * kW), the forward convolution's fan-in, for the bound
import math

import flax.linen as nn
import jax
import jax.numpy as jnp


def _two(v):
    return (int(v[0]), int(v[1])) if isinstance(v, tuple | list) else (int(v), int(v))


def _scatter(x, weight, sh, sw):
    b, _, h, w = x.shape
    _, c_out, kh, kw = weight.shape
    out = jnp.zeros((b, c_out, (h - 1) * sh + kh, (w - 1) * sw + kw), x.dtype)
    for a in range(kh):
        for c in range(kw):
            part = jnp.einsum("nchw,co->nohw", x, weight[:, :, a, c])
            out = out.at[:, :, a:a + (h - 1) * sh + 1:sh, c:c + (w - 1) * sw + 1:sw].add(part)
    return out


class ConvTranspose2d(nn.Module):
    in_channels: int
    out_channels: int
    kernel_size: int | tuple[int, int]
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0

    @nn.compact
    def __call__(self, x):
        kh, kw = _two(self.kernel_size)
        sh, sw = _two(self.stride)
        ph, pw = _two(self.padding)
        c_in, c_out = int(self.in_channels), int(self.out_channels)

        def init(key, shape, dtype=jnp.float32):
            bound = math.sqrt(1.0 / (c_in * kh * kw))
            return jax.random.uniform(key, shape, dtype, -bound, bound)

        weight = self.param("weight", init, (c_in, c_out, kh, kw))
        out = _scatter(x, weight, sh, sw)
        return out[:, :, ph:out.shape[2] - ph, pw:out.shape[3] - pw]

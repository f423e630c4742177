"""Reference solution for ``conv-transpose2d-module``.

Written exactly as a learner would submit it: the built-in ``flax_module`` harness builds
``ConvTranspose2d(in_channels=..., out_channels=..., kernel_size=..., stride=...,
padding=...)`` (each size an ``int`` or a tuple of two ``int``), runs ``init`` with the
case seed and ``apply`` on ``x`` of shape (B, C_in, H, W), and flattens the result.

The single parameter ``weight`` (C_in, C_out, kH, kW) is drawn from U[-sqrt(k), sqrt(k)]
with k = 1 / (C_out * kH * kW), PyTorch's rule for transposed convolutions.  The forward
pass is a scatter over kernel taps, with no convolution primitive.
"""

import math

import flax.linen as nn
import jax
import jax.numpy as jnp


def _pair(value):
    if isinstance(value, (tuple, list)):
        first, second = value
        return int(first), int(second)
    return int(value), int(value)


class ConvTranspose2d(nn.Module):
    in_channels: int
    out_channels: int
    kernel_size: int | tuple[int, int]
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0

    @nn.compact
    def __call__(self, x):
        kernel_h, kernel_w = _pair(self.kernel_size)
        stride_h, stride_w = _pair(self.stride)
        pad_h, pad_w = _pair(self.padding)
        in_channels = int(self.in_channels)
        out_channels = int(self.out_channels)

        bound = math.sqrt(1.0 / (out_channels * kernel_h * kernel_w))

        def init_weight(key, shape, dtype=jnp.float32):
            return jax.random.uniform(key, shape, dtype, minval=-bound, maxval=bound)

        weight = self.param("weight", init_weight, (in_channels, out_channels, kernel_h, kernel_w))

        batch, _, height, width = x.shape
        full_h = (height - 1) * stride_h + kernel_h
        full_w = (width - 1) * stride_w + kernel_w
        span_h = (height - 1) * stride_h + 1
        span_w = (width - 1) * stride_w + 1
        canvas = jnp.zeros((batch, out_channels, full_h, full_w), dtype=x.dtype)
        for a in range(kernel_h):
            for b in range(kernel_w):
                contribution = jnp.einsum("nchw,co->nohw", x, weight[:, :, a, b])
                canvas = canvas.at[
                    :, :, a : a + span_h : stride_h, b : b + span_w : stride_w
                ].add(contribution)
        return canvas[:, :, pad_h : full_h - pad_h, pad_w : full_w - pad_w]

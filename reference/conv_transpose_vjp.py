"""Reference solution for ``conv-transpose-vjp``.

Written exactly as a learner would submit it: the problem's harness imports this module
and calls ``conv_transpose2d_vjp(x=..., weight=..., stride=..., padding=...)``.

The transposed convolution is the adjoint of an ordinary strided convolution.  Read the
weight (C_in, C_out, kH, kW) as an OIHW kernel of a convolution ``f`` that maps a
(B, C_out, H_out, W_out) tensor to (B, C_in, H, W) with the same stride and padding.  ``f``
is linear, so its vector-Jacobian product with cotangent ``x`` (taken at any point, here
zeros) is ``f^T x``: the transposed convolution of ``x``.
"""

import jax
import jax.numpy as jnp


def _pair(value):
    if isinstance(value, (tuple, list)):
        first, second = value
        return int(first), int(second)
    return int(value), int(value)


def conv_transpose2d_vjp(x, weight, stride=1, padding=0):
    stride_h, stride_w = _pair(stride)
    pad_h, pad_w = _pair(padding)
    x = jnp.asarray(x)
    weight = jnp.asarray(weight)
    batch, in_channels, height, width = x.shape
    in_channels_w, out_channels, kernel_h, kernel_w = weight.shape
    assert in_channels == in_channels_w, "x and weight disagree on in_channels"
    out_h = (height - 1) * stride_h + kernel_h - 2 * pad_h
    out_w = (width - 1) * stride_w + kernel_w - 2 * pad_w

    def conv_forward(z):
        # (B, C_out, out_h, out_w) -> (B, C_in, H, W): O = C_in, I = C_out.
        return jax.lax.conv_general_dilated(
            z,
            weight,
            window_strides=(stride_h, stride_w),
            padding=((pad_h, pad_h), (pad_w, pad_w)),
            dimension_numbers=("NCHW", "OIHW", "NCHW"),
        )

    primal = jnp.zeros((batch, out_channels, out_h, out_w), dtype=x.dtype)
    _, pullback = jax.vjp(conv_forward, primal)
    (y,) = pullback(x)
    return y

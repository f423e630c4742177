"""Reference solution for ``conv-transpose2d``.

Written exactly as a learner would submit it: the problem's harness imports this module
and calls ``conv_transpose2d(x=..., weights=..., stride=..., padding=...)``, where stride
and padding are each an ``int`` or a pair of ``int``.

Scatter form: input pixel ``(i, j)`` adds ``x[:, :, i, j] @ weights[:, :, a, b]`` at
position ``(i * s_h + a, j * s_w + b)`` of an uncropped canvas of size
``((H - 1) s_h + k_h, (W - 1) s_w + k_w)``.  Looping over the kernel taps ``(a, b)``, each
tap fills a strided slice of the canvas in one go.  Padding then crops ``p`` rows and
columns from every side.
"""

import jax.numpy as jnp


def _pair(value):
    if isinstance(value, (tuple, list)):
        first, second = value
        return int(first), int(second)
    return int(value), int(value)


def conv_transpose2d(x, weights, stride=1, padding=0):
    stride_h, stride_w = _pair(stride)
    pad_h, pad_w = _pair(padding)
    x = jnp.asarray(x)
    weights = jnp.asarray(weights)
    batch, in_channels, height, width = x.shape
    in_channels_w, out_channels, kernel_h, kernel_w = weights.shape
    assert in_channels == in_channels_w, "x and weights disagree on in_channels"

    full_h = (height - 1) * stride_h + kernel_h
    full_w = (width - 1) * stride_w + kernel_w
    canvas = jnp.zeros((batch, out_channels, full_h, full_w), dtype=x.dtype)
    span_h = (height - 1) * stride_h + 1
    span_w = (width - 1) * stride_w + 1
    for a in range(kernel_h):
        for b in range(kernel_w):
            contribution = jnp.einsum("nchw,co->nohw", x, weights[:, :, a, b])
            canvas = canvas.at[
                :, :, a : a + span_h : stride_h, b : b + span_w : stride_w
            ].add(contribution)
    return canvas[:, :, pad_h : full_h - pad_h, pad_w : full_w - pad_w]

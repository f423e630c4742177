"""Reference solution for ``conv-transpose2d-full``.

Written exactly as a learner would submit it: the problem's harness imports this module
and calls ``conv_transpose2d_full(x=..., weight=..., bias=..., stride=..., padding=...,
output_padding=..., groups=..., dilation=...)``.

A transposed convolution is an ordinary stride-1 convolution of the input dilated by the
stride (``lhs_dilation``), with the kernel flipped in space, its channel axes swapped
within each group, dilated by ``dilation`` (``rhs_dilation``), and the input padded by
``d (k - 1) - p`` on the leading side and ``d (k - 1) - p + output_padding`` on the
trailing side.
"""

import jax
import jax.numpy as jnp


def _pair(value):
    if isinstance(value, (tuple, list)):
        first, second = value
        return int(first), int(second)
    return int(value), int(value)


def conv_transpose2d_full(x, weight, bias, stride=1, padding=0, output_padding=0, groups=1,
                          dilation=1):
    stride_h, stride_w = _pair(stride)
    pad_h, pad_w = _pair(padding)
    out_pad_h, out_pad_w = _pair(output_padding)
    dil_h, dil_w = _pair(dilation)
    groups = int(groups)
    x = jnp.asarray(x)
    weight = jnp.asarray(weight)
    bias = jnp.asarray(bias)

    in_channels, out_per_group, kernel_h, kernel_w = weight.shape
    in_per_group = in_channels // groups
    out_channels = out_per_group * groups

    # (C_in, C_out/g, kH, kW) -> OIHW kernel (C_out, C_in/g, kH, kW), group by group,
    # flipped along both spatial axes.
    kernel = weight.reshape(groups, in_per_group, out_per_group, kernel_h, kernel_w)
    kernel = kernel.transpose(0, 2, 1, 3, 4).reshape(out_channels, in_per_group, kernel_h, kernel_w)
    kernel = jnp.flip(kernel, axis=(2, 3))

    edge_h = dil_h * (kernel_h - 1) - pad_h
    edge_w = dil_w * (kernel_w - 1) - pad_w
    y = jax.lax.conv_general_dilated(
        x,
        kernel,
        window_strides=(1, 1),
        padding=((edge_h, edge_h + out_pad_h), (edge_w, edge_w + out_pad_w)),
        lhs_dilation=(stride_h, stride_w),
        rhs_dilation=(dil_h, dil_w),
        dimension_numbers=("NCHW", "OIHW", "NCHW"),
        feature_group_count=groups,
    )
    return y + bias[None, :, None, None]

# expect: accepted
# jax.lax.conv_transpose has no groups argument, so run it once per group and stack the
# results; transpose_kernel=True flips the kernel and swaps its channel axes, and the
# explicit padding d(k - 1) - p (+ output_padding at the end) sets the window.
import jax
import jax.numpy as jnp


def conv_transpose2d_full(x, weight, bias, stride=1, padding=0, output_padding=0, groups=1,
                          dilation=1):
    def pair(v):
        return tuple(v) if isinstance(v, tuple) else (v, v)

    stride, padding, output_padding, dilation = map(pair, (stride, padding, output_padding, dilation))
    kernel_size = weight.shape[2:]
    pads = [(d * (k - 1) - p, d * (k - 1) - p + op)
            for k, p, op, d in zip(kernel_size, padding, output_padding, dilation, strict=True)]
    outs = []
    for x_g, w_g in zip(jnp.split(x, groups, axis=1), jnp.split(weight, groups, axis=0), strict=True):
        outs.append(jax.lax.conv_transpose(
            x_g, w_g, strides=stride, padding=pads, rhs_dilation=dilation,
            dimension_numbers=("NCHW", "OIHW", "NCHW"), transpose_kernel=True,
        ))
    return jnp.concatenate(outs, axis=1) + bias.reshape(1, -1, 1, 1)

"""Reference solution for ``conv-transpose1d``, written as a learner would submit it.

Scatter form, one kernel tap at a time: tap t carries input position m to uncropped
output position m * stride + t, i.e. a strided slice starting at t.  The padding then
crops `padding` entries from each end of the uncropped output.
"""

import jax.numpy as jnp


def conv_transpose1d(x, weights, stride=1, padding=0):
    x = jnp.asarray(x, dtype=jnp.float32)
    weights = jnp.asarray(weights, dtype=jnp.float32)
    stride, padding = int(stride), int(padding)
    batch, in_channels, width = x.shape
    in_channels_w, out_channels, kernel_width = weights.shape
    if in_channels != in_channels_w:
        raise ValueError(f"in_channels differ: x {x.shape}, weights {weights.shape}")

    full_width = (width - 1) * stride + kernel_width
    out_width = full_width - 2 * padding
    if stride < 1 or padding < 0 or out_width < 1:
        raise ValueError(f"bad stride/padding: stride={stride}, padding={padding}")

    z = jnp.zeros((batch, out_channels, full_width), dtype=jnp.float32)
    span = (width - 1) * stride + 1
    for t in range(kernel_width):
        copy = jnp.einsum("biw,io->bow", x, weights[:, :, t])
        z = z.at[:, :, t : t + span : stride].add(copy)
    return z[:, :, padding : padding + out_width]

"""Reference solution for ``conv-transpose1d-minimal``, written as a learner would submit it.

Scatter form, one kernel tap at a time: tap t of weights[i, o, :] carries every input
position m to output position m + t, so the whole tap is a channel-mixing matrix product
added into the output window starting at t.
"""

import jax.numpy as jnp


def conv_transpose1d_minimal(x, weights):
    x = jnp.asarray(x, dtype=jnp.float32)
    weights = jnp.asarray(weights, dtype=jnp.float32)
    batch, in_channels, width = x.shape
    in_channels_w, out_channels, kernel_width = weights.shape
    if in_channels != in_channels_w:
        raise ValueError(f"in_channels differ: x {x.shape}, weights {weights.shape}")

    y = jnp.zeros((batch, out_channels, width + kernel_width - 1), dtype=jnp.float32)
    for t in range(kernel_width):
        y = y.at[:, :, t : t + width].add(jnp.einsum("biw,io->bow", x, weights[:, :, t]))
    return y

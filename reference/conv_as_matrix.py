"""Reference solution for ``conv-as-matrix``, written as a learner would submit it.

Row i * out_w + j of W holds the weights of output (i, j); kernel tap (a, b) multiplies
input pixel (i + a, j + b), which is column (i + a) * in_w + (j + b) of the flattened
image.  All index arrays are built with broadcasting and written in one scatter.
"""

import jax.numpy as jnp


def kernel2matrix(K, in_h, in_w):
    K = jnp.asarray(K, dtype=jnp.float32)
    in_h, in_w = int(in_h), int(in_w)
    k_h, k_w = K.shape
    out_h, out_w = in_h - k_h + 1, in_w - k_w + 1

    i = jnp.arange(out_h)[:, None, None, None]
    j = jnp.arange(out_w)[None, :, None, None]
    a = jnp.arange(k_h)[None, None, :, None]
    b = jnp.arange(k_w)[None, None, None, :]
    shape = (out_h, out_w, k_h, k_w)
    rows = jnp.broadcast_to(i * out_w + j, shape)
    cols = jnp.broadcast_to((i + a) * in_w + (j + b), shape)
    vals = jnp.broadcast_to(K[None, None, :, :], shape)

    W = jnp.zeros((out_h * out_w, in_h * in_w), dtype=jnp.float32)
    return W.at[rows.ravel(), cols.ravel()].set(vals.ravel())

"""Reference solution for ``trans-conv-2d``, written as a learner would submit it.

Each kernel tap K[a, b] scatters K[a, b] * X into the output window that starts at row
a, column b. Looping over the (few) kernel taps instead of the input elements keeps the
number of array operations small.
"""

import jax.numpy as jnp


def trans_conv(X, K):
    X = jnp.asarray(X, dtype=jnp.float32)
    K = jnp.asarray(K, dtype=jnp.float32)
    n_h, n_w = X.shape
    k_h, k_w = K.shape
    Y = jnp.zeros((n_h + k_h - 1, n_w + k_w - 1), dtype=jnp.float32)
    for a in range(k_h):
        for b in range(k_w):
            Y = Y.at[a : a + n_h, b : b + n_w].add(K[a, b] * X)
    return Y

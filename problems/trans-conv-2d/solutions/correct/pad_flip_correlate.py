# expect: accepted
# Gather form: zero-pad X by k - 1 on every side, flip the kernel in both directions,
# then take an ordinary (valid) sliding-window sum of products.
import jax.numpy as jnp


def trans_conv(X, K):
    X = jnp.asarray(X, dtype=jnp.float32)
    K = jnp.asarray(K, dtype=jnp.float32)
    kh, kw = K.shape
    padded = jnp.pad(X, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    flipped = K[::-1, ::-1]
    out_h = padded.shape[0] - kh + 1
    out_w = padded.shape[1] - kw + 1
    rows = jnp.arange(out_h)[:, None, None, None] + jnp.arange(kh)[None, None, :, None]
    cols = jnp.arange(out_w)[None, :, None, None] + jnp.arange(kw)[None, None, None, :]
    windows = padded[rows, cols]  # (out_h, out_w, kh, kw)
    return jnp.einsum("pqab,ab->pq", windows, flipped)

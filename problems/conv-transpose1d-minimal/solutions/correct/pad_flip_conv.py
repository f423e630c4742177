# expect: accepted
# The "convolution in disguise" route: pad by K - 1 on both sides, reverse the kernel,
# swap its channel axes, then run a plain valid conv1d written with sliding windows.
import jax.numpy as jnp


def conv1d_valid(x, w):
    """x: (B, C_in, W), w: (C_out, C_in, K) -> (B, C_out, W - K + 1)."""
    k = w.shape[-1]
    out_w = x.shape[-1] - k + 1
    idx = jnp.arange(out_w)[:, None] + jnp.arange(k)[None, :]
    windows = x[:, :, idx]  # (B, C_in, out_w, K)
    return jnp.einsum("bink,oik->bon", windows, w)


def conv_transpose1d_minimal(x, weights):
    x = jnp.asarray(x, dtype=jnp.float32)
    weights = jnp.asarray(weights, dtype=jnp.float32)
    k = weights.shape[-1]
    x_mod = jnp.pad(x, ((0, 0), (0, 0), (k - 1, k - 1)))
    w_mod = jnp.transpose(weights[:, :, ::-1], (1, 0, 2))
    return conv1d_valid(x_mod, w_mod)

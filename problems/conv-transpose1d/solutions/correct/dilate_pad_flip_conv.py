# expect: accepted
# The convolution route: space the input out, pad by K - 1, reverse and transpose the
# kernel, run a valid conv1d, then crop `padding` from each side. Cropping at the end
# also covers padding > K - 1, where "pad by K - 1 - padding" would be negative.
import jax.numpy as jnp


def space_out(x, stride):
    width = x.shape[-1]
    out = jnp.zeros((*x.shape[:-1], (width - 1) * stride + 1), dtype=x.dtype)
    return out.at[..., ::stride].set(x)


def conv1d_valid(x, w):
    """x: (B, C_in, W), w: (C_out, C_in, K) -> (B, C_out, W - K + 1)."""
    k = w.shape[-1]
    idx = jnp.arange(x.shape[-1] - k + 1)[:, None] + jnp.arange(k)[None, :]
    return jnp.einsum("bink,oik->bon", x[:, :, idx], w)


def conv_transpose1d(x, weights, stride=1, padding=0):
    x = jnp.asarray(x, dtype=jnp.float32)
    weights = jnp.asarray(weights, dtype=jnp.float32)
    k = weights.shape[-1]
    spaced = space_out(x, stride)
    padded = jnp.pad(spaced, ((0, 0), (0, 0), (k - 1, k - 1)))
    w_mod = jnp.transpose(jnp.flip(weights, axis=-1), (1, 0, 2))
    full = conv1d_valid(padded, w_mod)
    return full[:, :, padding : full.shape[-1] - padding]

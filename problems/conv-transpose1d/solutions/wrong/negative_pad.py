# expect: runtime_error
# mistake: When padding > K - 1 the pad K - 1 - padding is negative: crop the output instead.
# label: padding
import jax.numpy as jnp


def conv_transpose1d(x, weights, stride=1, padding=0):
    x = jnp.asarray(x, dtype=jnp.float32)
    weights = jnp.asarray(weights, dtype=jnp.float32)
    k = weights.shape[-1]
    width = x.shape[-1]
    spaced = jnp.zeros((*x.shape[:-1], (width - 1) * stride + 1), jnp.float32)
    spaced = spaced.at[..., ::stride].set(x)
    amount = k - 1 - padding
    padded = jnp.pad(spaced, ((0, 0), (0, 0), (amount, amount)))
    w_mod = jnp.transpose(weights[:, :, ::-1], (1, 0, 2))
    idx = jnp.arange(padded.shape[-1] - k + 1)[:, None] + jnp.arange(k)[None, :]
    return jnp.einsum("bink,oik->bon", padded[:, :, idx], w_mod)

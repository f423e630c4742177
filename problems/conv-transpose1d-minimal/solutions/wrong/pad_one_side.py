# expect: wrong_answer
# mistake: Pad K - 1 zeros on both sides; padding only the left keeps the output width at W.
# label: padding
import jax.numpy as jnp


def conv_transpose1d_minimal(x, weights):
    x = jnp.asarray(x, dtype=jnp.float32)
    weights = jnp.asarray(weights, dtype=jnp.float32)
    k = weights.shape[-1]
    x_mod = jnp.pad(x, ((0, 0), (0, 0), (k - 1, 0)))
    w_mod = weights[:, :, ::-1]
    out_w = x_mod.shape[-1] - k + 1
    idx = jnp.arange(out_w)[:, None] + jnp.arange(k)[None, :]
    return jnp.einsum("bink,iok->bon", x_mod[:, :, idx], w_mod)

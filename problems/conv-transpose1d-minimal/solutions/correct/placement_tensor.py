# expect: accepted
# One einsum: a 0/1 tensor P[m, t, n] = (n == m + t) says where input position m and
# kernel tap t land, and the einsum sums over channels, positions and taps at once.
import jax.numpy as jnp


def conv_transpose1d_minimal(x, weights):
    x = jnp.asarray(x, dtype=jnp.float32)
    weights = jnp.asarray(weights, dtype=jnp.float32)
    width, k = x.shape[-1], weights.shape[-1]
    m = jnp.arange(width)[:, None, None]
    t = jnp.arange(k)[None, :, None]
    n = jnp.arange(width + k - 1)[None, None, :]
    placement = (n == m + t).astype(jnp.float32)
    return jnp.einsum("bim,iot,mtn->bon", x, weights, placement)

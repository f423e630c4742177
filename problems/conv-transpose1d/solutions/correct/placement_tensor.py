# expect: accepted
# Gather form in one einsum: P[m, t, n] = 1 exactly when input position m and tap t
# land on cropped output position n, i.e. m * stride + t - padding == n.
import jax.numpy as jnp


def conv_transpose1d(x, weights, stride=1, padding=0):
    x = jnp.asarray(x, dtype=jnp.float32)
    weights = jnp.asarray(weights, dtype=jnp.float32)
    width, k = x.shape[-1], weights.shape[-1]
    out_width = (width - 1) * stride + k - 2 * padding
    m = jnp.arange(width)[:, None, None]
    t = jnp.arange(k)[None, :, None]
    n = jnp.arange(out_width)[None, None, :]
    placement = (m * stride + t - padding == n).astype(jnp.float32)
    return jnp.einsum("bim,iot,mtn->bon", x, weights, placement)

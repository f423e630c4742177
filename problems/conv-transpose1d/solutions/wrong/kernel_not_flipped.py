# expect: wrong_answer
# mistake: On the convolution route the kernel must be reversed along its width before sliding.
# label: kernel-flip
import jax.numpy as jnp


def conv_transpose1d(x, weights, stride=1, padding=0):
    x = jnp.asarray(x, dtype=jnp.float32)
    weights = jnp.asarray(weights, dtype=jnp.float32)
    k = weights.shape[-1]
    width = x.shape[-1]
    spaced = jnp.zeros((*x.shape[:-1], (width - 1) * stride + 1), jnp.float32)
    spaced = spaced.at[..., ::stride].set(x)
    padded = jnp.pad(spaced, ((0, 0), (0, 0), (k - 1, k - 1)))
    idx = jnp.arange(padded.shape[-1] - k + 1)[:, None] + jnp.arange(k)[None, :]
    full = jnp.einsum("bink,iok->bon", padded[:, :, idx], weights)
    return full[:, :, padding : full.shape[-1] - padding]

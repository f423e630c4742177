# expect: runtime_error
# mistake: JAX arrays are immutable; write out.at[..., ::s_h, ::s_w].set(x) instead of assigning.
# label: other
import jax.numpy as jnp


def fractional_stride_2d(x, stride_h, stride_w):
    b, c, h, w = x.shape
    out = jnp.zeros((b, c, (h - 1) * stride_h + 1, (w - 1) * stride_w + 1), dtype=x.dtype)
    out[..., ::stride_h, ::stride_w] = x
    return out

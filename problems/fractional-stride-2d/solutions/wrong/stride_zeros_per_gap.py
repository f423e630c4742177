# expect: wrong_answer
# mistake: A stride of s puts s - 1 zeros between neighbours, not s.
# label: stride
import jax.numpy as jnp


def fractional_stride_2d(x, stride_h, stride_w):
    b, c, h, w = x.shape
    step_h, step_w = stride_h + 1, stride_w + 1
    out = jnp.zeros((b, c, (h - 1) * step_h + 1, (w - 1) * step_w + 1), dtype=x.dtype)
    return out.at[:, :, ::step_h, ::step_w].set(x)

# expect: wrong_answer
# mistake: stride_h spaces out the height (axis 2) and stride_w the width (axis 3), not the reverse.
# label: layout
import jax.numpy as jnp


def fractional_stride_2d(x, stride_h, stride_w):
    b, c, h, w = x.shape
    out = jnp.zeros((b, c, (h - 1) * stride_w + 1, (w - 1) * stride_h + 1), dtype=x.dtype)
    return out.at[:, :, ::stride_w, ::stride_h].set(x)

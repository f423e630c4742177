# expect: runtime_error
# mistake: stride and padding may be pairs; convert an int to (s, s) and unpack both entries.
# label: other
import jax.numpy as jnp


def conv_transpose2d(x, weights, stride=1, padding=0):
    n, _, h, w = x.shape
    _, cout, kh, kw = weights.shape
    full_h, full_w = (h - 1) * stride + kh, (w - 1) * stride + kw
    canvas = jnp.zeros((n, cout, full_h, full_w), x.dtype)
    for a in range(kh):
        for b in range(kw):
            canvas = canvas.at[:, :, a : a + (h - 1) * stride + 1 : stride,
                               b : b + (w - 1) * stride + 1 : stride].add(
                jnp.einsum("nchw,co->nohw", x, weights[:, :, a, b]))
    return canvas[:, :, padding : full_h - padding, padding : full_w - padding]

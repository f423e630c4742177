# expect: wrong_answer
# mistake: Padding crops p rows and columns from each side of the output; here it is never applied.
# label: padding
import jax.numpy as jnp


def conv_transpose2d(x, weights, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    n, _, h, w = x.shape
    _, cout, kh, kw = weights.shape
    canvas = jnp.zeros((n, cout, (h - 1) * sh + kh, (w - 1) * sw + kw), x.dtype)
    for a in range(kh):
        for b in range(kw):
            canvas = canvas.at[:, :, a : a + (h - 1) * sh + 1 : sh, b : b + (w - 1) * sw + 1 : sw].add(
                jnp.einsum("nchw,co->nohw", x, weights[:, :, a, b]))
    return canvas

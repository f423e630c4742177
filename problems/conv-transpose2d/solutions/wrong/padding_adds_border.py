# expect: wrong_answer
# mistake: In a transposed convolution padding shrinks the output: crop p per side, don't add zeros.
# label: padding
import jax.numpy as jnp


def conv_transpose2d(x, weights, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    n, _, h, w = x.shape
    _, cout, kh, kw = weights.shape
    canvas = jnp.zeros((n, cout, (h - 1) * sh + kh, (w - 1) * sw + kw), x.dtype)
    for a in range(kh):
        for b in range(kw):
            canvas = canvas.at[:, :, a : a + (h - 1) * sh + 1 : sh, b : b + (w - 1) * sw + 1 : sw].add(
                jnp.einsum("nchw,co->nohw", x, weights[:, :, a, b]))
    return jnp.pad(canvas, ((0, 0), (0, 0), (ph, ph), (pw, pw)))

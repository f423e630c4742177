# expect: accepted
# One einsum makes every (pixel, tap) product, one scatter-add with index grids drops
# each at row i * s_h + a, column j * s_w + b; then the padding is cropped away.
import jax.numpy as jnp


def conv_transpose2d(x, weights, stride=1, padding=0):
    if isinstance(stride, int):
        stride = (stride, stride)
    if isinstance(padding, int):
        padding = (padding, padding)
    (sh, sw), (ph, pw) = stride, padding
    n, _, h, w = x.shape
    _, cout, kh, kw = weights.shape

    products = jnp.einsum("nchw,coab->nohawb", x, weights)
    rows = jnp.arange(h)[:, None] * sh + jnp.arange(kh)[None, :]  # (h, kh)
    cols = jnp.arange(w)[:, None] * sw + jnp.arange(kw)[None, :]  # (w, kw)
    full_h, full_w = (h - 1) * sh + kh, (w - 1) * sw + kw
    canvas = jnp.zeros((n, cout, full_h, full_w), x.dtype)
    canvas = canvas.at[:, :, rows[:, :, None, None], cols[None, None, :, :]].add(products)
    return canvas[:, :, ph : full_h - ph, pw : full_w - pw]

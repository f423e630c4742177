# expect: runtime_error
# mistake: Transposed-conv weights are (C_in, C_out, kH, kW): input channels come first.
# label: layout
import jax.numpy as jnp


def conv_transpose2d(x, weights, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    n, _, h, w = x.shape
    cout, _, kh, kw = weights.shape  # read as (C_out, C_in, kH, kW)
    full_h, full_w = (h - 1) * sh + kh, (w - 1) * sw + kw
    canvas = jnp.zeros((n, cout, full_h, full_w), x.dtype)
    for a in range(kh):
        for b in range(kw):
            canvas = canvas.at[:, :, a : a + (h - 1) * sh + 1 : sh, b : b + (w - 1) * sw + 1 : sw].add(
                jnp.einsum("nchw,oc->nohw", x, weights[:, :, a, b]))
    return canvas[:, :, ph : full_h - ph, pw : full_w - pw]

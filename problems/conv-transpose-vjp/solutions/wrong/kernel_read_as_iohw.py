# expect: runtime_error
# mistake: Read as OIHW, the weight's first axis (C_in) is the forward conv's output channels.
# label: layout
import jax
import jax.numpy as jnp


def conv_transpose2d_vjp(x, weight, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    b, cin, h, w = x.shape
    _, _, kh, kw = weight.shape

    def conv_forward(z):
        return jax.lax.conv_general_dilated(z, weight, (sh, sw), [(ph, ph), (pw, pw)],
                                            dimension_numbers=("NCHW", "IOHW", "NCHW"))

    # Read as IOHW, the forward maps C_in channels to C_out, so z gets C_in channels.
    z0 = jnp.zeros((b, cin, (h - 1) * sh + kh - 2 * ph, (w - 1) * sw + kw - 2 * pw), jnp.float32)
    _, pullback = jax.vjp(conv_forward, z0)
    return pullback(jnp.asarray(x))[0]

# expect: accepted
# <f(z), x> = <z, f^T x>, so the gradient of z -> <f(z), x> is f^T x. Here f has no
# padding and works on the uncropped canvas; cropping p from each side afterwards
# is the same as padding the forward convolution.
import jax
import jax.numpy as jnp


def conv_transpose2d_vjp(x, weight, stride=1, padding=0):
    stride = (stride, stride) if isinstance(stride, int) else tuple(stride)
    padding = (padding, padding) if isinstance(padding, int) else tuple(padding)
    x = jnp.asarray(x)
    b, _, h, w = x.shape
    _, cout, kh, kw = weight.shape
    full = (b, cout, (h - 1) * stride[0] + kh, (w - 1) * stride[1] + kw)

    def score(z):
        u = jax.lax.conv_general_dilated(z, weight, stride, "VALID",
                                         dimension_numbers=("NCHW", "OIHW", "NCHW"))
        return jnp.sum(u * x)

    canvas = jax.grad(score)(jnp.zeros(full, x.dtype))
    ph, pw = padding
    return canvas[:, :, ph : full[2] - ph, pw : full[3] - pw]

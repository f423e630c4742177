# label: padding
# why: differentiates a convolution without padding, so the result is never cropped
import jax
import jax.numpy as jnp


def _two(v):
    return (int(v[0]), int(v[1])) if isinstance(v, tuple | list) else (int(v), int(v))


def _forward(weight, stride, padding):
    def f(z):
        return jax.lax.conv_general_dilated(
            z, weight, window_strides=stride, padding=[(padding[0], padding[0]), (padding[1], padding[1])],
            dimension_numbers=("NCHW", "OIHW", "NCHW"))
    return f


def conv_transpose2d_vjp(x, weight, stride=1, padding=0):
    (sh, sw) = _two(stride)
    x, weight = jnp.asarray(x), jnp.asarray(weight)
    b, _, h, w = x.shape
    _, c_out, kh, kw = weight.shape
    z = jnp.zeros((b, c_out, (h - 1) * sh + kh, (w - 1) * sw + kw), x.dtype)
    _, pull = jax.vjp(_forward(weight, (sh, sw), (0, 0)), z)
    return pull(x)[0]

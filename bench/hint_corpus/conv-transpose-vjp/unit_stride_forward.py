# label: stride
# why: differentiates a stride-1 convolution, so the output is never upsampled
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
    ph, pw = _two(padding)
    x, weight = jnp.asarray(x), jnp.asarray(weight)
    b, _, h, w = x.shape
    _, c_out, kh, kw = weight.shape
    z = jnp.zeros((b, c_out, h + kh - 1 - 2 * ph, w + kw - 1 - 2 * pw), x.dtype)
    _, pull = jax.vjp(_forward(weight, (1, 1), (ph, pw)), z)
    return pull(x)[0]

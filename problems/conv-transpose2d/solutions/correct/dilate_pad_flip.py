# expect: accepted
# The exercise's route: space the input out by the stride, pad it by k - 1 - p, flip the
# kernel and swap its channel axes, then run a stride-1 cross-correlation built from
# shifted slices.
import jax.numpy as jnp


def force_pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv_transpose2d(x, weights, stride=1, padding=0):
    sh, sw = force_pair(stride)
    ph, pw = force_pair(padding)
    b, cin, h, w = x.shape
    _, cout, kh, kw = weights.shape

    spaced = jnp.zeros((b, cin, (h - 1) * sh + 1, (w - 1) * sw + 1), x.dtype)
    spaced = spaced.at[:, :, ::sh, ::sw].set(x)
    padded = jnp.pad(spaced, ((0, 0), (0, 0), (kh - 1 - ph, kh - 1 - ph), (kw - 1 - pw, kw - 1 - pw)))

    kernel = jnp.flip(weights, axis=(2, 3)).transpose(1, 0, 2, 3)  # (C_out, C_in, kh, kw)
    out_h = padded.shape[2] - kh + 1
    out_w = padded.shape[3] - kw + 1
    out = jnp.zeros((b, cout, out_h, out_w), x.dtype)
    for a in range(kh):
        for c in range(kw):
            window = padded[:, :, a : a + out_h, c : c + out_w]
            out = out + jnp.einsum("bihw,oi->bohw", window, kernel[:, :, a, c])
    return out

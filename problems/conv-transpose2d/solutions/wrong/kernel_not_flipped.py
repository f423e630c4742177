# expect: wrong_answer
# mistake: Written as a convolution over the spaced-out input, the kernel must be flipped in H and W.
# label: kernel-flip
import jax.numpy as jnp


def conv_transpose2d(x, weights, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    b, cin, h, w = x.shape
    _, cout, kh, kw = weights.shape
    spaced = jnp.zeros((b, cin, (h - 1) * sh + 1, (w - 1) * sw + 1), x.dtype)
    spaced = spaced.at[:, :, ::sh, ::sw].set(x)
    padded = jnp.pad(spaced, ((0, 0), (0, 0), (kh - 1 - ph,) * 2, (kw - 1 - pw,) * 2))
    out_h, out_w = padded.shape[2] - kh + 1, padded.shape[3] - kw + 1
    out = jnp.zeros((b, cout, out_h, out_w), x.dtype)
    for a in range(kh):
        for c in range(kw):
            window = padded[:, :, a : a + out_h, c : c + out_w]
            out = out + jnp.einsum("bihw,io->bohw", window, weights[:, :, a, c])
    return out

# expect: wrong_answer
# mistake: As a convolution over the spaced-out, padded input, the kernel must be flipped in H and W.
# label: kernel-flip
import flax.linen as nn
import jax
import jax.numpy as jnp


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


class ConvTranspose2d(nn.Module):
    in_channels: int
    out_channels: int
    kernel_size: int | tuple[int, int]
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0

    @nn.compact
    def __call__(self, x):
        (kh, kw), (sh, sw), (ph, pw) = pair(self.kernel_size), pair(self.stride), pair(self.padding)
        bound = (1 / (self.out_channels * kh * kw)) ** 0.5
        weight = self.param(
            "weight",
            lambda key, shape: jax.random.uniform(key, shape, jnp.float32, -bound, bound),
            (self.in_channels, self.out_channels, kh, kw),
        )
        b, cin, h, w = x.shape
        spaced = jnp.zeros((b, cin, (h - 1) * sh + 1, (w - 1) * sw + 1), x.dtype)
        spaced = spaced.at[:, :, ::sh, ::sw].set(x)
        padded = jnp.pad(spaced, ((0, 0), (0, 0), (kh - 1 - ph,) * 2, (kw - 1 - pw,) * 2))
        out_h, out_w = padded.shape[2] - kh + 1, padded.shape[3] - kw + 1
        out = jnp.zeros((b, self.out_channels, out_h, out_w), x.dtype)
        for a in range(kh):
            for c in range(kw):
                out = out + jnp.einsum("bihw,io->bohw", padded[:, :, a : a + out_h, c : c + out_w],
                                       weight[:, :, a, c])
        return out

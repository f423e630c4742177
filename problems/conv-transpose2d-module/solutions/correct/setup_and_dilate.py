# expect: accepted
# setup()-style module; the forward pass spaces the input out, pads it by k - 1 - p and
# cross-correlates with the flipped, channel-swapped kernel.
import flax.linen as nn
import jax
import jax.numpy as jnp


def force_pair(v):
    return tuple(int(a) for a in v) if isinstance(v, (tuple, list)) else (int(v), int(v))


class ConvTranspose2d(nn.Module):
    in_channels: int
    out_channels: int
    kernel_size: int | tuple[int, int]
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0

    def setup(self):
        kh, kw = force_pair(self.kernel_size)
        bound = (1.0 / (self.out_channels * kh * kw)) ** 0.5

        def uniform_init(key, shape):
            return jax.random.uniform(key, shape, jnp.float32, minval=-bound, maxval=bound)

        self.weight = self.param("weight", uniform_init, (self.in_channels, self.out_channels, kh, kw))

    def __call__(self, x):
        sh, sw = force_pair(self.stride)
        ph, pw = force_pair(self.padding)
        b, cin, h, w = x.shape
        _, cout, kh, kw = self.weight.shape
        spaced = jnp.zeros((b, cin, (h - 1) * sh + 1, (w - 1) * sw + 1), x.dtype)
        spaced = spaced.at[:, :, ::sh, ::sw].set(x)
        padded = jnp.pad(spaced, ((0, 0), (0, 0), (kh - 1 - ph,) * 2, (kw - 1 - pw,) * 2))
        kernel = self.weight[:, :, ::-1, ::-1]
        out_h, out_w = padded.shape[2] - kh + 1, padded.shape[3] - kw + 1
        out = jnp.zeros((b, cout, out_h, out_w), x.dtype)
        for a in range(kh):
            for c in range(kw):
                out = out + jnp.einsum("bihw,io->bohw", padded[:, :, a : a + out_h, c : c + out_w],
                                       kernel[:, :, a, c])
        return out

# expect: compile_error
# mistake: Build the layer yourself: nn.ConvTranspose is off limits in this exercise.
import flax.linen as nn


class ConvTranspose2d(nn.Module):
    in_channels: int
    out_channels: int
    kernel_size: int | tuple[int, int]
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0

    @nn.compact
    def __call__(self, x):
        def pair(v):
            return (v, v) if isinstance(v, int) else tuple(v)

        kernel_size, stride, padding = pair(self.kernel_size), pair(self.stride), pair(self.padding)
        pads = [(k - 1 - p, k - 1 - p) for k, p in zip(kernel_size, padding, strict=True)]
        y = nn.ConvTranspose(self.out_channels, kernel_size, stride, padding=pads, use_bias=False)(
            x.transpose(0, 2, 3, 1))
        return y.transpose(0, 3, 1, 2)

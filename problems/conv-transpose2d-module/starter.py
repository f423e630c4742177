import flax.linen as nn
import jax
import jax.numpy as jnp


class ConvTranspose2d(nn.Module):
    in_channels: int
    out_channels: int
    kernel_size: int | tuple[int, int]
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0

    @nn.compact
    def __call__(self, x):
        # 1. Turn kernel_size, stride and padding into (height, width) pairs.
        # 2. self.param("weight", init_fn, (in_channels, out_channels, kH, kW)) with
        #    init_fn drawing U[-sqrt(k), sqrt(k)], k = 1 / (out_channels * kH * kW).
        # 3. Compute the transposed convolution of x (B, C_in, H, W) by hand.
        raise NotImplementedError("ConvTranspose2d.__call__ is not written yet")

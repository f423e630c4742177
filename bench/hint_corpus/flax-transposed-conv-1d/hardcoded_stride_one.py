# label: stride
# why: keeps the stride of an ordinary same-size convolution (1) instead of upsampling
import flax.linen as nn
import jax
import jax.numpy as jnp


class MyTransposedConv(nn.Module):
    features: int
    kernel_size: int
    stride: int

    @nn.compact
    def __call__(self, x):
        kernel = self.param("kernel", nn.initializers.lecun_normal(),
                            (int(self.kernel_size), x.shape[-1], int(self.features)))
        bias = self.param("bias", nn.initializers.zeros, (int(self.features),))
        y = jax.lax.conv_transpose(x[None, ...], kernel, (1,), "SAME",
                                   dimension_numbers=("NWC", "WIO", "NWC"))
        return jnp.ravel(y[0] + bias)

# label: init
# why: declares the parameters in setup() with the bias first, which changes the kernel's draw
import flax.linen as nn
import jax


class MyTransposedConv(nn.Module):
    features: int
    kernel_size: int
    stride: int

    def setup(self):
        self.bias = self.param("bias", nn.initializers.zeros, (int(self.features),))

    @nn.compact
    def __call__(self, x):
        kernel = self.param("kernel", nn.initializers.lecun_normal(),
                            (int(self.kernel_size), x.shape[-1], int(self.features)))
        y = jax.lax.conv_transpose(x[None], kernel, strides=(int(self.stride),), padding="SAME",
                                   dimension_numbers=("NWC", "WIO", "NWC"))
        return (y[0] + self.bias).reshape(-1)

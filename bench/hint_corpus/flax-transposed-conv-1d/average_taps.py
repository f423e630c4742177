# label: scale
# why: divides by kernel_size, treating the transposed convolution as an average of taps
import flax.linen as nn
import jax


class MyTransposedConv(nn.Module):
    features: int
    kernel_size: int
    stride: int

    @nn.compact
    def __call__(self, x):
        k = int(self.kernel_size)
        kernel = self.param("kernel", nn.initializers.lecun_normal(), (k, x.shape[-1], int(self.features)))
        bias = self.param("bias", nn.initializers.zeros, (int(self.features),))
        y = jax.lax.conv_transpose(x[None], kernel, strides=(int(self.stride),), padding="SAME",
                                   dimension_numbers=("NWC", "WIO", "NWC"))
        return (y[0] / k + bias).reshape(-1)

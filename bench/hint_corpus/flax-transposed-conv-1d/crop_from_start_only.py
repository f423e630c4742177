# label: padding
# why: computes the VALID output and keeps its first L * stride positions instead of cropping both sides
import flax.linen as nn
import jax


class MyTransposedConv(nn.Module):
    features: int
    kernel_size: int
    stride: int

    @nn.compact
    def __call__(self, x):
        k, s = int(self.kernel_size), int(self.stride)
        kernel = self.param("kernel", nn.initializers.lecun_normal(), (k, x.shape[-1], int(self.features)))
        bias = self.param("bias", nn.initializers.zeros, (int(self.features),))
        y = jax.lax.conv_transpose(x[None], kernel, strides=(s,), padding="VALID",
                                   dimension_numbers=("NWC", "WIO", "NWC"))[0]
        y = y[: x.shape[0] * s]
        return (y + bias).reshape(-1)

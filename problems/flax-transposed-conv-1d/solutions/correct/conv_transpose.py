# expect: accepted
# The direct route: jax.lax.conv_transpose with SAME padding.
import flax.linen as nn
import jax


class MyTransposedConv(nn.Module):
    features: int
    kernel_size: int
    stride: int

    @nn.compact
    def __call__(self, x):
        k, s, f = int(self.kernel_size), int(self.stride), int(self.features)
        kernel = self.param("kernel", nn.initializers.lecun_normal(), (k, x.shape[-1], f))
        bias = self.param("bias", nn.initializers.zeros, (f,))
        out = jax.lax.conv_transpose(
            x[None],
            kernel,
            strides=(s,),
            padding="SAME",
            dimension_numbers=("NWC", "WIO", "NWC"),
        )[0]
        return (out + bias).reshape(-1)

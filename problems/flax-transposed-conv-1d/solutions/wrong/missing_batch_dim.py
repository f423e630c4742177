# expect: runtime_error
# mistake: conv_transpose needs a batch axis ("NWC" is 3-D); add one with x[None] before the call and drop it afterwards.
import flax.linen as nn
import jax


class MyTransposedConv(nn.Module):
    features: int
    kernel_size: int
    stride: int

    @nn.compact
    def __call__(self, x):
        kernel = self.param(
            "kernel",
            nn.initializers.lecun_normal(),
            (int(self.kernel_size), x.shape[-1], int(self.features)),
        )
        bias = self.param("bias", nn.initializers.zeros, (int(self.features),))
        y = jax.lax.conv_transpose(
            x,
            kernel,
            strides=(int(self.stride),),
            padding="SAME",
            dimension_numbers=("NWC", "WIO", "NWC"),
        )
        return (y + bias).reshape(-1)

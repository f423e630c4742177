# expect: wrong_answer
# mistake: Parameter keys follow creation order; create kernel before bias to get the same draw.
# label: init
import flax.linen as nn
import jax


class MyTransposedConv(nn.Module):
    features: int
    kernel_size: int
    stride: int

    @nn.compact
    def __call__(self, x):
        bias = self.param("bias", nn.initializers.zeros, (int(self.features),))
        kernel = self.param(
            "kernel",
            nn.initializers.lecun_normal(),
            (int(self.kernel_size), x.shape[-1], int(self.features)),
        )
        y = jax.lax.conv_transpose(
            x[None],
            kernel,
            strides=(int(self.stride),),
            padding="SAME",
            dimension_numbers=("NWC", "WIO", "NWC"),
        )
        return (y[0] + bias).reshape(-1)

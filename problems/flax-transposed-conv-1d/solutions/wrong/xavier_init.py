# expect: wrong_answer
# mistake: Initialise the kernel with lecun_normal(); xavier_uniform() draws different values.
# label: init
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
            nn.initializers.xavier_uniform(),
            (int(self.kernel_size), x.shape[-1], int(self.features)),
        )
        bias = self.param("bias", nn.initializers.zeros, (int(self.features),))
        y = jax.lax.conv_transpose(
            x[None],
            kernel,
            strides=(int(self.stride),),
            padding="SAME",
            dimension_numbers=("NWC", "WIO", "NWC"),
        )
        return (y[0] + bias).reshape(-1)

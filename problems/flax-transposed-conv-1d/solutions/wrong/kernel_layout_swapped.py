# expect: runtime_error
# mistake: WIO means (kernel_size, C_in, features); the swapped shape breaks when C_in != features.
# label: layout
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
            (int(self.kernel_size), int(self.features), x.shape[-1]),
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

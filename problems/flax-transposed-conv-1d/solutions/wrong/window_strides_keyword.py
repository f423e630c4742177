# expect: runtime_error
# mistake: conv_transpose spells it strides=; window_strides= is conv_general_dilated's keyword.
# label: other
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
            x[None],
            kernel,
            window_strides=(int(self.stride),),
            padding="SAME",
            dimension_numbers=("NWC", "WIO", "NWC"),
        )
        return (y[0] + bias).reshape(-1)

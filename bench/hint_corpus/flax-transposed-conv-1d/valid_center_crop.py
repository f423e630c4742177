# label: padding
# why: crops the VALID output symmetrically by (kernel_size - stride) // 2, the wrong split of SAME's padding
import flax.linen as nn
import jax
import jax.numpy as jnp


class MyTransposedConv(nn.Module):
    features: int
    kernel_size: int
    stride: int

    @nn.compact
    def __call__(self, x):
        k, s = int(self.kernel_size), int(self.stride)
        kernel = self.param("kernel", nn.initializers.lecun_normal(), (k, x.shape[-1], int(self.features)))
        bias = self.param("bias", nn.initializers.zeros, (int(self.features),))
        full = jax.lax.conv_transpose(x[None], kernel, strides=(s,), padding="VALID",
                                      dimension_numbers=("NWC", "WIO", "NWC"))[0]
        start = max(k - s, 0) // 2 + (max(k - s, 0) % 2)
        y = full[start : start + x.shape[0] * s]
        if y.shape[0] < x.shape[0] * s:
            y = jnp.pad(y, ((0, x.shape[0] * s - y.shape[0]), (0, 0)))
        return (y + bias).reshape(-1)

# label: kernel-flip
# why: reverses the kernel taps, thinking a transposed convolution needs a flipped kernel here
import flax.linen as nn
import jax
import jax.numpy as jnp


class MyTransposedConv(nn.Module):
    features: int
    kernel_size: int
    stride: int

    @nn.compact
    def __call__(self, x):
        kernel = self.param("kernel", nn.initializers.lecun_normal(),
                            (int(self.kernel_size), x.shape[-1], int(self.features)))
        bias = self.param("bias", nn.initializers.zeros, (int(self.features),))
        y = jax.lax.conv_transpose(x[None], jnp.flip(kernel, 0), strides=(int(self.stride),),
                                   padding="SAME", dimension_numbers=("NWC", "WIO", "NWC"))
        return (y[0] + bias).reshape(-1)

# expect: accepted
# lecun_normal() written out as the variance-scaling initializer it is; the batch
# dimension is added with expand_dims and removed with squeeze.
import flax.linen as nn
import jax
import jax.numpy as jnp
from jax.nn import initializers


class MyTransposedConv(nn.Module):
    features: int
    kernel_size: int
    stride: int

    @nn.compact
    def __call__(self, x):
        init = initializers.variance_scaling(1.0, "fan_in", "truncated_normal")
        kernel = self.param(
            "kernel", init, (int(self.kernel_size), x.shape[-1], int(self.features))
        )
        bias = self.param("bias", initializers.zeros, (int(self.features),))
        batched = jnp.expand_dims(x, 0)
        y = jax.lax.conv_transpose(
            batched,
            kernel,
            (int(self.stride),),
            "SAME",
            dimension_numbers=("NWC", "WIO", "NWC"),
        )
        y = jnp.squeeze(y, axis=0) + bias
        return jnp.ravel(y)

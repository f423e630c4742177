"""Reference solution for ``flax-transposed-conv-1d``.

Written exactly as a learner would submit it: the grader imports this module, looks up
``MyTransposedConv`` and runs it through the ``flax_module`` harness.
"""

import flax.linen as nn
import jax
import jax.numpy as jnp


class MyTransposedConv(nn.Module):
    features: int
    kernel_size: int
    stride: int

    @nn.compact
    def __call__(self, x):
        features = int(self.features)
        kernel_size = int(self.kernel_size)
        stride = int(self.stride)
        in_channels = x.shape[-1]

        # Parameter order matters: the kernel is drawn first from the "params" stream.
        kernel = self.param(
            "kernel", nn.initializers.lecun_normal(), (kernel_size, in_channels, features)
        )
        bias = self.param("bias", nn.initializers.zeros, (features,))

        y = jax.lax.conv_transpose(
            x[None, ...],
            kernel,
            strides=(stride,),
            padding="SAME",
            dimension_numbers=("NWC", "WIO", "NWC"),
        )
        y = y[0] + bias
        return jnp.reshape(y, (-1,))

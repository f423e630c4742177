# expect: accepted
# Transposed convolution as a scatter: input position m drops x[m] @ kernel[t] at
# output position m * stride + (kernel_size - 1 - t), and the SAME window is cropped out.
import flax.linen as nn
import jax.numpy as jnp


class MyTransposedConv(nn.Module):
    features: int
    kernel_size: int
    stride: int

    @nn.compact
    def __call__(self, x):
        k = int(self.kernel_size)
        s = int(self.stride)
        f = int(self.features)
        length = x.shape[0]
        kernel = self.param("kernel", nn.initializers.lecun_normal(), (k, x.shape[1], f))
        bias = self.param("bias", nn.initializers.zeros, (f,))

        full = jnp.zeros(((length - 1) * s + k, f), dtype=x.dtype)
        starts = jnp.arange(length) * s
        for t in range(k):
            full = full.at[starts + (k - 1 - t)].add(x @ kernel[t])

        offset = max(0, (k - s) // 2)
        out_len = length * s
        # Pad the tail in case the kernel is shorter than the stride.
        full = jnp.concatenate([full, jnp.zeros((offset + out_len, f), full.dtype)])
        return (full[offset : offset + out_len] + bias).reshape(-1)

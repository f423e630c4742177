# expect: accepted
# From scratch with a plain Python double loop: every input position i and kernel tap j
# adds x[i] @ kernel[j] at output position i * stride + j of the full (VALID) result,
# then the SAME window is cropped out.  Compiled as one program per case this unrolls
# to L * kernel_size scatter-adds (1024 for the largest case), which is why the grader
# may run it without compiling: the verdict must not depend on that.
import flax.linen as nn
import jax.numpy as jnp


class MyTransposedConv(nn.Module):
    features: int
    kernel_size: int
    stride: int

    @nn.compact
    def __call__(self, x):
        k, s, f = int(self.kernel_size), int(self.stride), int(self.features)
        length = x.shape[0]
        kernel = self.param("kernel", nn.initializers.lecun_normal(), (k, x.shape[1], f))
        bias = self.param("bias", nn.initializers.zeros, (f,))

        full_len = (length - 1) * s + k
        out = jnp.zeros((full_len, f), dtype=x.dtype)
        for i in range(length):
            for j in range(k):
                # kernel[k - 1 - j]: Flax's ConvTranspose does not flip the kernel.
                out = out.at[i * s + j].add(x[i] @ kernel[k - 1 - j])

        offset = max(0, (k - s) // 2)
        out_len = length * s
        out = jnp.concatenate([out, jnp.zeros((offset + out_len, f), out.dtype)])
        return (out[offset : offset + out_len] + bias).reshape(-1)

# label: padding
# why: builds the full (VALID) transposed convolution by hand and never crops it to SAME
import flax.linen as nn
import jax


class MyTransposedConv(nn.Module):
    features: int
    kernel_size: int
    stride: int

    @nn.compact
    def __call__(self, x):
        k, s = int(self.kernel_size), int(self.stride)
        kernel = self.param("kernel", nn.initializers.lecun_normal(), (k, x.shape[-1], int(self.features)))
        bias = self.param("bias", nn.initializers.zeros, (int(self.features),))
        y = jax.lax.conv_general_dilated(
            x[None], kernel[::-1], window_strides=(1,), padding=[(k - 1, k - 1)],
            lhs_dilation=(s,), dimension_numbers=("NWC", "WIO", "NWC"))
        return (y[0] + bias).reshape(-1)

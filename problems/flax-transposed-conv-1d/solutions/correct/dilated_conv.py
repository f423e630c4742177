# expect: accepted
# A fractionally strided convolution spelled out: dilate the input by the stride and
# pad it by hand, exactly as conv_transpose does for SAME padding.
import flax.linen as nn
import jax


def same_transpose_padding(kernel_size, stride):
    total = kernel_size + stride - 2
    if stride >= kernel_size:
        before = kernel_size - 1
    else:
        before = (total + 1) // 2
    return before, total - before


class MyTransposedConv(nn.Module):
    features: int
    kernel_size: int
    stride: int

    @nn.compact
    def __call__(self, x):
        kernel_size = int(self.kernel_size)
        stride = int(self.stride)
        kernel = self.param(
            "kernel",
            nn.initializers.lecun_normal(),
            (kernel_size, x.shape[-1], int(self.features)),
        )
        bias = self.param("bias", nn.initializers.zeros, (int(self.features),))
        y = jax.lax.conv_general_dilated(
            x[None, :, :],
            kernel,
            window_strides=(1,),
            padding=[same_transpose_padding(kernel_size, stride)],
            lhs_dilation=(stride,),
            dimension_numbers=("NWC", "WIO", "NWC"),
        )
        return (y[0] + bias[None, :]).reshape(-1)

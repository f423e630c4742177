# expect: compile_error
# mistake: The exercise is to build the spacing yourself; convolution functions are not allowed.
import jax.numpy as jnp
from jax import lax


def fractional_stride_2d(x, stride_h, stride_w):
    channels = x.shape[1]
    identity = jnp.eye(channels, dtype=x.dtype)[:, :, None, None]
    return lax.conv_general_dilated(
        x, identity, window_strides=(1, 1), padding="VALID",
        lhs_dilation=(stride_h, stride_w),
        dimension_numbers=("NCHW", "OIHW", "NCHW"),
    )

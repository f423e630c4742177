# expect: compile_error
# mistake: lax.pad's interior padding is the whole exercise; place the values with slicing instead.
import jax


def fractional_stride_1d(x, stride=1):
    config = [(0, 0, 0), (0, 0, 0), (0, 0, stride - 1)]
    return jax.lax.pad(x, x.dtype.type(0), config)

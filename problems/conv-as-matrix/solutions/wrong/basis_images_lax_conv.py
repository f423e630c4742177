# expect: compile_error
# mistake: Build W by writing kernel entries yourself; the library convolution is off-limits here.
import jax.numpy as jnp
from jax import lax


def kernel2matrix(K, in_h, in_w):
    # Column p of W is the convolution of the p-th basis image.
    basis = jnp.eye(in_h * in_w, dtype=jnp.float32).reshape(-1, 1, in_h, in_w)
    out = lax.conv_general_dilated(basis, jnp.asarray(K)[None, None], (1, 1), "VALID")
    return out.reshape(in_h * in_w, -1).T

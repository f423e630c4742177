"""The forbidden-name guard (a teaching guard, not a security boundary) sees through aliases."""

import pytest

from sandbox.forbid import find_forbidden

BANNED = ["jax.lax.conv_transpose", "jax.numpy.convolve", "torch"]


@pytest.mark.parametrize(("code", "found"), [
    ("import jax\ny = jax.lax.conv_transpose(x, k, (1,), 'SAME')", "jax.lax.conv_transpose"),
    ("from jax import lax\ny = lax.conv_transpose(x, k, (1,), 'SAME')", "jax.lax.conv_transpose"),
    ("import jax.lax as L\ny = L.conv_transpose(x, k, (1,), 'SAME')", "jax.lax.conv_transpose"),
    ("from jax.lax import conv_transpose as ct\n", "jax.lax.conv_transpose"),
    ("import jax.numpy as jnp\ny = jnp.convolve(a, b)", "jax.numpy.convolve"),
    ("import torch.nn.functional as F\n", "torch"),
    ("f = lambda: __import__('os')\nimport jax\ng = jax.lax.conv_transpose", "jax.lax.conv_transpose"),
])
def test_forbidden_uses_are_found_through_aliases(code, found):
    assert find_forbidden(code, BANNED)[0] == found


@pytest.mark.parametrize("code", [
    "import jax\ny = jax.lax.conv_general_dilated(x, k, (1,), 'SAME')",
    "import jax.numpy as jnp\ny = jnp.correlate(a, b)",
    "conv_transpose = 3\nprint(conv_transpose)",  # a local name is not the library function
    "import numpy as np\ny = np.convolve(a, b)",
])
def test_allowed_code_passes(code):
    assert find_forbidden(code, BANNED) is None


def test_reports_the_line():
    code = "import jax\n\n\ny = jax.lax.conv_transpose\n"
    assert find_forbidden(code, BANNED) == ("jax.lax.conv_transpose", 4)


def test_no_forbid_list_means_no_parse():
    assert find_forbidden("this is not python", []) is None

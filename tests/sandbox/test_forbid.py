"""The forbidden-name guard (a teaching guard, not a security boundary) sees through aliases."""

import pytest

from sandbox.forbid import find_forbidden
from sandbox.frameworks import FOREIGN

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


# The PyTorch names the from-scratch problems forbid (their manifests list them).
TORCH_BANNED = ["torch.nn.functional.conv_transpose1d", "torch.nn.functional.conv_transpose2d",
                "torch.conv_transpose2d", "torch.nn.ConvTranspose2d", "torch.nn.modules.conv"]


@pytest.mark.parametrize(("code", "found"), [
    ("import torch.nn.functional as F\ny = F.conv_transpose2d(x, w)", "torch.nn.functional.conv_transpose2d"),
    ("from torch.nn import functional\ny = functional.conv_transpose1d(x, w)",
     "torch.nn.functional.conv_transpose1d"),
    ("from torch.nn.functional import conv_transpose2d as up\n", "torch.nn.functional.conv_transpose2d"),
    ("import torch\ny = torch.conv_transpose2d(x, w)", "torch.conv_transpose2d"),
    ("import torch as T\nlayer = T.nn.ConvTranspose2d(2, 3, 2)", "torch.nn.ConvTranspose2d"),
    ("from torch import nn\nlayer = nn.ConvTranspose2d(2, 3, 2)", "torch.nn.ConvTranspose2d"),
    ("from torch.nn.modules.conv import ConvTranspose2d\n", "torch.nn.modules.conv"),
])
def test_forbidden_torch_uses_are_found_through_aliases(code, found):
    assert find_forbidden(code, TORCH_BANNED)[0] == found


@pytest.mark.parametrize("code", [
    "import torch\ny = torch.zeros(3)\ny[::2] = x",
    "import torch.nn.functional as F\ny = F.pad(x, (1, 1))",
    "import torch\ny = torch.einsum('bci,co->boi', x, w)",
])
def test_allowed_torch_code_passes(code):
    assert find_forbidden(code, TORCH_BANNED) is None


@pytest.mark.parametrize(("framework", "code", "found"), [
    ("jax", "import torch\n", "torch"),
    ("numpy", "import jax.numpy as jnp\n", "jax"),
    ("numpy", "from flax import linen\n", "flax"),
    ("pytorch", "from jax import lax\n", "jax"),
])
def test_a_submission_may_not_import_another_framework(framework, code, found):
    assert find_forbidden(code, FOREIGN[framework])[0] == found


def test_each_framework_may_import_its_own():
    assert find_forbidden("import jax\nimport flax.linen as nn\nimport numpy\n", FOREIGN["jax"]) is None
    assert find_forbidden("import torch\nimport numpy as np\n", FOREIGN["pytorch"]) is None
    assert find_forbidden("import numpy as np\nimport scipy\n", FOREIGN["numpy"]) is None

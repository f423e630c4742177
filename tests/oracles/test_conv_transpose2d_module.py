"""Oracle test for the ``conv-transpose2d-module`` reference solution.

The reference module is loaded by file path; Flax draws its ``weight`` in-process (init
and apply in one ``jax.jit``, as the ``flax_module`` harness does), and its output is
compared with a plain NumPy scatter oracle fed that very weight.  The oracle shares
nothing with ``reference/``: every input pixel ``(i, j)`` of channel ``c`` adds
``x[n, c, i, j] * weight[c]`` (a scaled copy of the kernel for every output channel) to a
float64 canvas at rows ``i * s_h ...`` and columns ``j * s_w ...``; padding crops ``p`` from
each side.

The initialisation is checked separately: every weight lies in ``[-sqrt(k), sqrt(k)]``
with ``k = 1 / (C_out * kH * kW)`` and the values spread like ``U[-sqrt(k), sqrt(k)]``
(mean, variance, extremes and a Kolmogorov-Smirnov distance).  Where PyTorch is
installed the reference also agrees with ``torch.nn.functional.conv_transpose2d``.
"""

import math
import tomllib
import zlib
from functools import cache
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from tests.oracles.common import reference_entry

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = ROOT / "problems" / "conv-transpose2d-module" / "problem.toml"

# The problem's grading tolerance (mirrors [tolerance] in problem.toml).
RTOL = 1e-4
ATOL = 1e-5


def pair(v):
    return tuple(v) if isinstance(v, tuple) else (v, v)


def oracle(x, weight, stride, padding):
    """Transposed 2-D convolution in float64, one input pixel at a time."""
    x = np.asarray(x, dtype=np.float64)
    weight = np.asarray(weight, dtype=np.float64)
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    n, cin, h, w = x.shape
    _, cout, kh, kw = weight.shape
    canvas = np.zeros((n, cout, (h - 1) * sh + kh, (w - 1) * sw + kw))
    for b in range(n):
        for c in range(cin):
            for i in range(h):
                for j in range(w):
                    canvas[b, :, i * sh : i * sh + kh, j * sw : j * sw + kw] += x[b, c, i, j] * weight[c]
    return canvas[:, :, ph : canvas.shape[2] - ph, pw : canvas.shape[3] - pw]


def reference_class():
    return reference_entry("conv_transpose2d_module", "ConvTranspose2d")


@cache
def reference_fn(in_channels, out_channels, kernel_size, stride, padding):
    model = reference_class()(in_channels=in_channels, out_channels=out_channels,
                              kernel_size=kernel_size, stride=stride, padding=padding)

    @jax.jit
    def init_and_apply(key, x):
        variables = model.init(key, x)
        return variables, model.apply(variables, x)

    return init_and_apply


def run_reference(seed, config, x):
    variables, out = reference_fn(*config)(jax.random.PRNGKey(seed), jnp.asarray(x, jnp.float32))
    assert set(variables) == {"params"}
    assert set(variables["params"]) == {"weight"}, "exactly one parameter, named weight"
    return np.asarray(variables["params"]["weight"]), np.asarray(out)


def test_tolerance_matches_problem():
    tolerance = tomllib.loads(PROBLEM.read_text())["tolerance"]
    assert tolerance["rtol"] == RTOL
    assert tolerance["atol"] == ATOL


def test_oracle_by_hand():
    # Two pixels [1, 10] in a row, one channel, kernel [[1, 2]], stride 3: [1, 2, 0, 10, 20];
    # padding (0, 1) drops the first and last column.
    x = np.array([[[[1.0, 10.0]]]])
    k = np.array([[[[1.0, 2.0]]]])
    np.testing.assert_array_equal(oracle(x, k, (1, 3), 0)[0, 0, 0], [1, 2, 0, 10, 20])
    np.testing.assert_array_equal(oracle(x, k, (1, 3), (0, 1))[0, 0, 0], [2, 0, 10])


# (B, H, W, in, out, kernel_size, stride, padding): ints and pairs as the harness passes them.
CONFIGS = [
    (1, 4, 4, 3, 2, 3, 2, 1),
    (2, 3, 5, 2, 4, (3, 2), (2, 1), (1, 0)),
    (2, 5, 5, 4, 3, 1, 2, 0),  # 1x1 kernel
    (1, 4, 3, 3, 2, 2, 3, 0),  # stride > kernel
    (2, 6, 6, 2, 5, (4, 3), 2, (2, 1)),  # kernel > stride
    (1, 3, 4, 3, 2, 3, 2, 2),  # padding at its maximum k - 1
    (2, 3, 5, 2, 3, (4, 2), (3, 1), (3, 1)),  # maximum padding, pairs
    (1, 5, 5, 2, 3, (3, 2), 1, 0),  # stride 1
    (2, 1, 1, 3, 2, 3, 3, 1),  # single pixel, centre crop
    (3, 1, 6, 1, 8, (2, 3), 2, 0),  # one row, one input channel
    (1, 4, 5, 8, 1, (3, 2), (2, 3), 0),  # one output channel
]
SEEDS_PER_CONFIG = 19  # 11 configs x 19 seeds = 209 random cases


def config_id(c):
    return "B{}-H{}-W{}-in{}-out{}-k{}-s{}-p{}".format(*c).replace(" ", "").replace(",", "x")


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_reference_matches_oracle(config):
    n, h, w, cin, cout, kernel_size, stride, padding = config
    (kh, kw), (sh, sw), (ph, pw) = pair(kernel_size), pair(stride), pair(padding)
    bound = math.sqrt(1.0 / (cout * kh * kw))
    rng = np.random.default_rng(zlib.crc32(config_id(config).encode()))
    for _ in range(SEEDS_PER_CONFIG):
        seed = int(rng.integers(0, 2**31 - 1))
        x = (rng.choice([0.5, 1.0, 3.0]) * rng.standard_normal((n, cin, h, w))).astype(np.float32)
        weight, out = run_reference(seed, config[3:], x)
        assert weight.shape == (cin, cout, kh, kw)
        assert weight.dtype == np.float32
        assert np.all(np.abs(weight) <= bound), f"weight outside [-sqrt(k), sqrt(k)], seed={seed}"
        want = oracle(x, weight, stride, padding)
        assert out.shape == want.shape == (n, cout, (h - 1) * sh + kh - 2 * ph, (w - 1) * sw + kw - 2 * pw)
        np.testing.assert_allclose(out, want, rtol=RTOL, atol=ATOL, err_msg=f"config={config} seed={seed}")


@pytest.mark.parametrize("cin,cout,kernel_size", [(64, 32, 3), (48, 96, (4, 2)), (200, 1, 5)])
def test_init_is_uniform_on_plus_minus_sqrt_k(cin, cout, kernel_size):
    kh, kw = pair(kernel_size)
    bound = math.sqrt(1.0 / (cout * kh * kw))
    model = reference_class()(in_channels=cin, out_channels=cout, kernel_size=kernel_size)
    x = jnp.zeros((1, cin, 2, 2), jnp.float32)
    weight = np.asarray(model.init(jax.random.PRNGKey(1234), x)["params"]["weight"], np.float64)
    assert weight.shape == (cin, cout, kh, kw)
    values = weight.ravel()
    size = values.size
    # Every value within the bound, and the extremes reach close to it (the in_channels
    # rule would give a bound of sqrt(1 / (C_in kH kW)), far from sqrt(k) for these sizes).
    assert np.abs(values).max() <= bound
    assert values.max() > 0.99 * bound and values.min() < -0.99 * bound
    # U[-b, b] has mean 0 and variance b^2 / 3 (a normal with std b has variance b^2).
    assert abs(values.mean()) < 5 * bound / math.sqrt(3 * size)
    assert abs(values.var() / (bound**2 / 3) - 1) < 0.05
    # Kolmogorov-Smirnov distance to U[-b, b], well inside the 0.1% critical value.
    ordered = np.sort(values)
    cdf = (ordered + bound) / (2 * bound)
    upper = np.arange(1, size + 1) / size
    distance = max(np.max(upper - cdf), np.max(cdf - (upper - 1 / size)))
    assert distance < 1.95 / math.sqrt(size)


def test_init_depends_on_seed_only_through_flax():
    # Same seed, same weight; another seed, another weight.
    config = (3, 2, 3, 2, 1)
    x = np.zeros((1, 3, 4, 4), np.float32)
    w0, _ = run_reference(7, config, x)
    w1, _ = run_reference(7, config, x)
    w2, _ = run_reference(8, config, x)
    np.testing.assert_array_equal(w0, w1)
    assert not np.array_equal(w0, w2)


def test_reference_matches_torch():
    torch = pytest.importorskip("torch", reason="PyTorch not installed: pip install torch==2.13.0")
    rng = np.random.default_rng(99)
    for config in CONFIGS:
        n, h, w, cin = config[:4]
        x = rng.standard_normal((n, cin, h, w)).astype(np.float32)
        weight, out = run_reference(int(rng.integers(0, 1000)), config[3:], x)
        want = torch.nn.functional.conv_transpose2d(
            torch.tensor(x, dtype=torch.float64), torch.tensor(weight, dtype=torch.float64),
            stride=pair(config[6]), padding=pair(config[7])).numpy()
        np.testing.assert_allclose(out, want, rtol=RTOL, atol=ATOL, err_msg=f"config={config}")

"""Oracle test for the ``flax-transposed-conv-1d`` reference solution.

The oracle below is a plain NumPy transposed convolution written from the definition; it
shares nothing with ``reference/``.  The reference module is loaded by file path, its
parameters are drawn by Flax in-process, and its output is compared with the oracle fed
the very same ``kernel`` and ``bias``.

Scatter form of the SAME-padded transposed convolution (kernel ``w`` of length K,
stride s, input of length L):

* Every input position m contributes ``x[m] @ w[t]`` for each tap t.  ``jax.lax.conv_transpose``
  does not flip the kernel: it dilates the input by s (``x[m]`` lands at ``m * s``), pads
  it by ``(pad_lo, pad_hi)`` and cross-correlates, so output j reads padded position
  ``j + t``.  Hence ``x[m] @ w[t]`` lands at output ``j = pad_lo + m * s - t``.
* Collect everything on an uncropped axis of length ``(L - 1) * s + K`` where the
  contribution sits at ``u = m * s + (K - 1 - t)``; in words, each input element adds a
  reversed copy of the kernel starting at ``m * s``.  Then ``j = u - (K - 1 - pad_lo)``.
* For SAME, JAX pads ``pad_lo + pad_hi = K + s - 2`` in total, with ``pad_lo = K - 1``
  when ``s >= K`` and ``pad_lo = ceil((K + s - 2) / 2)`` otherwise.  So the crop offset
  ``K - 1 - pad_lo`` is 0 when ``s >= K`` and ``floor((K - s) / 2)`` otherwise, and
  exactly ``L * s`` outputs are kept.  When ``K < s`` the uncropped axis is shorter than
  ``L * s``; the missing tail positions receive no contribution (bias only).

The derivation is checked by hand on the statement's worked example below, and against
the reference on a couple of hundred random cases.
"""

import tomllib
from functools import cache
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from tests.oracles.common import reference_entry

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = ROOT / "problems" / "flax-transposed-conv-1d" / "problem.toml"

# The problem's grading tolerance (mirrors [tolerance] in problem.toml).
RTOL = 1e-4
ATOL = 1e-5


def oracle(x, kernel, bias, stride):
    """SAME-padded 1-D transposed convolution in float64, scatter form."""
    x = np.asarray(x, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    bias = np.asarray(bias, dtype=np.float64)
    length, c_in = x.shape
    k, k_in, features = kernel.shape
    assert k_in == c_in and bias.shape == (features,)

    uncropped = np.zeros(((length - 1) * stride + k, features))
    for m in range(length):
        for t in range(k):
            uncropped[m * stride + (k - 1 - t)] += x[m] @ kernel[t]

    offset = 0 if stride >= k else (k - stride) // 2
    out = np.tile(bias, (length * stride, 1))
    for j in range(length * stride):
        u = j + offset
        if u < uncropped.shape[0]:
            out[j] += uncropped[u]
    return out


def reference_class():
    return reference_entry("flax_transposed_conv_1d", "MyTransposedConv")


@cache
def reference_fn(features, kernel_size, stride):
    model = reference_class()(features=features, kernel_size=kernel_size, stride=stride)

    @jax.jit
    def init_and_apply(key, x):
        variables = model.init(key, x)
        return variables, model.apply(variables, x)

    return init_and_apply


def run_reference(seed, features, kernel_size, stride, x):
    fn = reference_fn(features, kernel_size, stride)
    variables, out = fn(jax.random.PRNGKey(seed), jnp.asarray(x, dtype=jnp.float32))
    params = variables["params"]
    return (
        np.asarray(params["kernel"]),
        np.asarray(params["bias"]),
        np.asarray(out),
    )


def test_tolerance_matches_problem():
    tolerance = tomllib.loads(PROBLEM.read_text())["tolerance"]
    assert tolerance["rtol"] == RTOL
    assert tolerance["atol"] == ATOL


def test_oracle_worked_example_by_hand():
    # x = [1, 2, 3, 4], kernel of ones (3, 1, 1), stride 2.  Uncropped axis (length 9):
    # input m adds its value at positions 2m, 2m+1, 2m+2:
    #   [1, 1, 1+2, 2, 2+3, 3, 3+4, 4, 4] = [1, 1, 3, 2, 5, 3, 7, 4, 4]
    # K = 3 > s = 2, so the offset is floor((3 - 2) / 2) = 0: keep the first 8.
    x = np.array([[1.0], [2.0], [3.0], [4.0]])
    ones = np.ones((3, 1, 1))
    got = oracle(x, ones, np.zeros(1), 2)
    assert got.shape == (8, 1)
    np.testing.assert_array_equal(got[:, 0], [1.0, 1.0, 3.0, 2.0, 5.0, 3.0, 7.0, 4.0])

    # Distinct taps pin the orientation: w = [1, 10, 100] is laid down reversed, so
    # input m adds 100*x[m] at 2m, 10*x[m] at 2m+1 and 1*x[m] at 2m+2.
    taps = np.array([1.0, 10.0, 100.0]).reshape(3, 1, 1)
    got = oracle(x, taps, np.zeros(1), 2)
    np.testing.assert_array_equal(got[:, 0], [100.0, 10.0, 201.0, 20.0, 302.0, 30.0, 403.0, 40.0])

    # A bias is added to every output position.
    got = oracle(x, ones, np.array([0.5]), 2)
    np.testing.assert_array_equal(got[:, 0], [1.5, 1.5, 3.5, 2.5, 5.5, 3.5, 7.5, 4.5])


def test_oracle_kernel_shorter_than_stride_by_hand():
    # K = 2 < s = 3: no crop, uncropped length (2 - 1) * 3 + 2 = 5, output length 6.
    # Input m adds [w1, w0] * x[m] at 3m, 3m + 1; position 3m + 2 stays at the bias.
    x = np.array([[1.0], [2.0]])
    taps = np.array([1.0, 10.0]).reshape(2, 1, 1)
    got = oracle(x, taps, np.zeros(1), 3)
    np.testing.assert_array_equal(got[:, 0], [10.0, 1.0, 0.0, 20.0, 2.0, 0.0])


def test_reference_worked_example_length_and_values():
    x = np.array([[1.0], [2.0], [3.0], [4.0]], dtype=np.float32)
    kernel, bias, out = run_reference(0, 1, 3, 2, x)
    assert kernel.shape == (3, 1, 1)
    assert bias.shape == (1,)
    assert out.shape == (8,)
    np.testing.assert_allclose(out, oracle(x, kernel, bias, 2).reshape(-1), rtol=RTOL, atol=ATOL)


# (L, C_in, features, kernel_size, stride)
SHAPES = [
    (4, 1, 1, 3, 2),  # the worked example's shape
    (6, 2, 3, 4, 2),  # kernel > stride, even gap
    (5, 3, 2, 5, 3),  # kernel > stride, odd gap
    (7, 3, 4, 1, 2),  # kernel_size 1
    (5, 2, 3, 2, 4),  # kernel < stride
    (9, 4, 5, 7, 2),  # kernel much longer than stride
    (6, 4, 3, 3, 3),  # kernel == stride
    (7, 3, 2, 6, 3),  # kernel > stride, gap 3
    (8, 5, 6, 3, 1),  # stride 1, odd kernel
    (6, 3, 2, 4, 1),  # stride 1, even kernel
    (1, 3, 4, 3, 2),  # L = 1
    (1, 2, 2, 6, 3),  # L = 1, long kernel
    (1, 1, 1, 2, 5),  # L = 1, C_in = 1, kernel < stride
    (10, 1, 6, 5, 2),  # C_in = 1
    (12, 6, 6, 8, 3),  # C_in == features
    (5, 8, 3, 2, 3),  # features < C_in
]
SEEDS_PER_SHAPE = 13  # 16 shapes x 13 seeds = 208 random cases


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "L{}-C{}-F{}-K{}-S{}".format(*s))
def test_reference_matches_oracle(shape):
    length, c_in, features, kernel_size, stride = shape
    rng = np.random.default_rng(list(shape))
    for i in range(SEEDS_PER_SHAPE):
        seed = int(rng.integers(0, 2**31 - 1))
        scale = rng.choice([0.5, 1.0, 3.0])
        x = (scale * rng.standard_normal((length, c_in))).astype(np.float32)

        kernel, bias, out = run_reference(seed, features, kernel_size, stride, x)
        assert kernel.shape == (kernel_size, c_in, features)
        np.testing.assert_array_equal(bias, np.zeros(features, dtype=np.float32))
        assert out.shape == (length * stride * features,)

        expected = oracle(x, kernel, bias, stride).reshape(-1)
        np.testing.assert_allclose(
            out, expected, rtol=RTOL, atol=ATOL, err_msg=f"shape={shape} case={i} seed={seed}"
        )

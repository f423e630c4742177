"""Oracle test for the ``conv-transpose1d-minimal`` reference solution.

The oracle is a float64 NumPy loop written from the definition (scatter form): input
element x[b, i, m] adds x[b, i, m] * weights[i, o, :] to output channel o, starting at
position m.  It shares no code with ``reference/``.  Where PyTorch is installed, both
are also compared with ``torch.nn.functional.conv_transpose1d`` (bias=None, defaults).
The reference is loaded by file path and run in-process, jitted once per shape.
"""

import tomllib
from functools import cache
from pathlib import Path

import jax
import numpy as np
import pytest

from tests.oracles.common import reference_entry

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = ROOT / "problems" / "conv-transpose1d-minimal" / "problem.toml"

# The problem's grading tolerance (mirrors [tolerance] in problem.toml).
RTOL = 1e-4
ATOL = 1e-5


def oracle(x, weights):
    """Scatter-form 1-D transposed convolution, stride 1, no padding, float64."""
    x = np.asarray(x, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    batch, c_in, width = x.shape
    c_in_w, c_out, k = weights.shape
    assert c_in == c_in_w
    y = np.zeros((batch, c_out, width + k - 1))
    for b in range(batch):
        for i in range(c_in):
            for m in range(width):
                for o in range(c_out):
                    for t in range(k):
                        y[b, o, m + t] += x[b, i, m] * weights[i, o, t]
    return y


def reference():
    return reference_entry("conv_transpose1d_minimal", "conv_transpose1d_minimal")


@cache
def reference_jit():
    return jax.jit(reference())


def test_tolerance_matches_problem():
    tolerance = tomllib.loads(PROBLEM.read_text())["tolerance"]
    assert tolerance["rtol"] == RTOL
    assert tolerance["atol"] == ATOL


def test_statement_examples():
    x = np.array([[[1, 2, 3]]], np.float32)
    w = np.array([[[1, 10]]], np.float32)
    np.testing.assert_array_equal(oracle(x, w), [[[1, 12, 23, 30]]])
    np.testing.assert_array_equal(np.asarray(reference()(x, w)), [[[1, 12, 23, 30]]])

    x = np.array([[[1, 2], [3, 4]]], np.float32)
    w = np.array([[[1, 1]], [[1, -1]]], np.float32)
    np.testing.assert_array_equal(oracle(x, w), [[[4, 4, -2]]])
    np.testing.assert_array_equal(np.asarray(reference()(x, w)), [[[4, 4, -2]]])


# (B, C_in, C_out, W, K)
SHAPES = [
    (1, 1, 1, 3, 2),
    (2, 3, 2, 5, 3),
    (2, 4, 3, 6, 1),  # kernel width 1
    (3, 2, 4, 1, 5),  # input width 1
    (1, 2, 2, 3, 8),  # kernel longer than the input
    (1, 1, 1, 10, 4),  # single channel
    (2, 1, 6, 7, 3),  # one input channel, many outputs
    (2, 8, 1, 9, 2),  # many input channels, one output
    (4, 3, 5, 12, 5),
    (2, 16, 16, 16, 3),
    (1, 5, 3, 2, 2),
    (3, 6, 2, 11, 7),
]
SEEDS_PER_SHAPE = 17  # 12 shapes x 17 seeds = 204 random cases


def _random_case(rng, shape):
    batch, c_in, c_out, width, k = shape
    scale = rng.choice([0.5, 1.0, 3.0])
    x = (scale * rng.standard_normal((batch, c_in, width))).astype(np.float32)
    w = rng.standard_normal((c_in, c_out, k)).astype(np.float32)
    return x, w


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "B{}-I{}-O{}-W{}-K{}".format(*s))
def test_reference_matches_oracle(shape):
    batch, c_in, c_out, width, k = shape
    rng = np.random.default_rng(list(shape))
    fn = reference_jit()
    for i in range(SEEDS_PER_SHAPE):
        x, w = _random_case(rng, shape)
        got = np.asarray(fn(x, w))
        assert got.shape == (batch, c_out, width + k - 1)
        np.testing.assert_allclose(got, oracle(x, w), rtol=RTOL, atol=ATOL,
                                   err_msg=f"shape={shape} case={i}")


def test_torch_conv_transpose1d_agrees():
    torch = pytest.importorskip("torch", reason="PyTorch not installed: pip install torch==2.13.0")
    rng = np.random.default_rng(2024)
    fn = reference_jit()
    for shape in SHAPES:
        for _ in range(3):
            x, w = _random_case(rng, shape)
            want = torch.nn.functional.conv_transpose1d(torch.from_numpy(x), torch.from_numpy(w))
            want = want.numpy()
            np.testing.assert_allclose(oracle(x, w), want, rtol=RTOL, atol=ATOL)
            np.testing.assert_allclose(np.asarray(fn(x, w)), want, rtol=RTOL, atol=ATOL,
                                       err_msg=f"shape={shape}")

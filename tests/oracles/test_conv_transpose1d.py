"""Oracle test for the ``conv-transpose1d`` reference solution (stride and padding).

The oracle is a float64 NumPy loop written from the definition (scatter form): input
element x[b, i, m] adds x[b, i, m] * weights[i, o, t] at uncropped position m * s + t,
and `padding` entries are then dropped from each end.  It shares no code with
``reference/``.  Where PyTorch is installed, both are also compared with
``torch.nn.functional.conv_transpose1d(x, w, stride=s, padding=p)``.  The shapes cover
stride > kernel, kernel > stride, kernel 1, width 1, padding K - 1 and padding beyond
K - 1 up to its maximum (output width 1).  The reference is loaded by file path and run
in-process, jitted once per (shape, stride, padding).
"""

import tomllib
from functools import cache
from pathlib import Path

import jax
import numpy as np
import pytest

from tests.oracles.common import reference_entry

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = ROOT / "problems" / "conv-transpose1d" / "problem.toml"

# The problem's grading tolerance (mirrors [tolerance] in problem.toml).
RTOL = 1e-4
ATOL = 1e-5


def oracle(x, weights, stride, padding):
    """Scatter-form 1-D transposed convolution with stride and padding, float64."""
    x = np.asarray(x, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    batch, c_in, width = x.shape
    c_in_w, c_out, k = weights.shape
    assert c_in == c_in_w
    full_width = (width - 1) * stride + k
    out_width = full_width - 2 * padding
    assert out_width >= 1
    z = np.zeros((batch, c_out, full_width))
    for b in range(batch):
        for i in range(c_in):
            for m in range(width):
                for o in range(c_out):
                    for t in range(k):
                        z[b, o, m * stride + t] += x[b, i, m] * weights[i, o, t]
    y = np.zeros((batch, c_out, out_width))
    for n in range(out_width):
        y[:, :, n] = z[:, :, n + padding]
    return y


def reference():
    return reference_entry("conv_transpose1d", "conv_transpose1d")


@cache
def reference_jit():
    return jax.jit(reference(), static_argnums=(2, 3))


def test_tolerance_matches_problem():
    tolerance = tomllib.loads(PROBLEM.read_text())["tolerance"]
    assert tolerance["rtol"] == RTOL
    assert tolerance["atol"] == ATOL


def test_statement_examples():
    x = np.array([[[1, 2, 3]]], np.float32)
    w = np.array([[[1, 10, 100]]], np.float32)
    for padding, expected in [(0, [1, 10, 102, 20, 203, 30, 300]), (1, [10, 102, 20, 203, 30])]:
        np.testing.assert_array_equal(oracle(x, w, 2, padding)[0, 0], expected)
        np.testing.assert_array_equal(np.asarray(reference()(x, w, 2, padding))[0, 0], expected)


def test_oracle_stride_equals_spacing_out():
    # ARENA's equivalence: stride s == stride 1 applied to the input spaced out with
    # s - 1 zeros between neighbours (and padding is the same crop in both).
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 5))
    w = rng.standard_normal((3, 2, 4))
    spaced = np.zeros((2, 3, 4 * 3 + 1))
    spaced[:, :, ::3] = x
    np.testing.assert_allclose(oracle(x, w, 3, 2), oracle(spaced, w, 1, 2), rtol=1e-12)


# (B, C_in, C_out, W, K, stride, padding)
SHAPES = [
    (1, 1, 1, 3, 3, 2, 0),
    (1, 1, 1, 3, 3, 2, 1),
    (2, 3, 2, 5, 4, 2, 1),
    (2, 3, 4, 6, 3, 1, 0),  # stride 1, no padding
    (1, 2, 3, 5, 2, 4, 0),  # stride > kernel
    (2, 2, 3, 6, 7, 2, 2),  # kernel > stride
    (2, 3, 2, 5, 3, 3, 1),  # kernel == stride
    (2, 4, 3, 6, 1, 3, 0),  # kernel 1
    (1, 3, 2, 5, 4, 2, 3),  # padding K - 1
    (2, 2, 2, 6, 3, 3, 4),  # padding > K - 1
    (2, 3, 2, 4, 3, 2, 4),  # padding at its maximum: width 1
    (3, 2, 4, 1, 5, 3, 2),  # width 1, padding at its maximum
    (2, 3, 2, 1, 4, 5, 0),  # width 1, stride irrelevant
    (2, 3, 4, 8, 6, 4, 1),
    (1, 5, 3, 7, 2, 5, 6),  # stride > kernel, padding far beyond K - 1
    (2, 6, 6, 12, 5, 2, 2),
]
SEEDS_PER_SHAPE = 13  # 16 shapes x 13 seeds = 208 random cases


def _random_case(rng, shape):
    batch, c_in, c_out, width, k, _, _ = shape
    scale = rng.choice([0.5, 1.0, 3.0])
    x = (scale * rng.standard_normal((batch, c_in, width))).astype(np.float32)
    w = rng.standard_normal((c_in, c_out, k)).astype(np.float32)
    return x, w


def _out_width(shape):
    _, _, _, width, k, stride, padding = shape
    return (width - 1) * stride + k - 2 * padding


def test_shapes_are_valid_and_cover_the_edges():
    for shape in SHAPES:
        assert _out_width(shape) >= 1, shape
    assert any(s[5] > s[4] for s in SHAPES)  # stride > kernel
    assert any(s[4] > s[5] for s in SHAPES)  # kernel > stride
    assert any(s[6] > s[4] - 1 for s in SHAPES)  # padding beyond K - 1
    assert any(_out_width(s) == 1 for s in SHAPES)  # padding at its maximum


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "B{}-I{}-O{}-W{}-K{}-S{}-P{}".format(*s))
def test_reference_matches_oracle(shape):
    batch, _, c_out, _, _, stride, padding = shape
    rng = np.random.default_rng(list(shape))
    fn = reference_jit()
    for i in range(SEEDS_PER_SHAPE):
        x, w = _random_case(rng, shape)
        got = np.asarray(fn(x, w, stride, padding))
        assert got.shape == (batch, c_out, _out_width(shape))
        np.testing.assert_allclose(got, oracle(x, w, stride, padding), rtol=RTOL, atol=ATOL,
                                   err_msg=f"shape={shape} case={i}")


def test_torch_conv_transpose1d_agrees():
    torch = pytest.importorskip("torch", reason="PyTorch not installed: pip install torch==2.13.0")
    rng = np.random.default_rng(2025)
    fn = reference_jit()
    for shape in SHAPES:
        stride, padding = shape[5], shape[6]
        for _ in range(3):
            x, w = _random_case(rng, shape)
            want = torch.nn.functional.conv_transpose1d(
                torch.from_numpy(x), torch.from_numpy(w), stride=stride, padding=padding
            ).numpy()
            np.testing.assert_allclose(oracle(x, w, stride, padding), want, rtol=RTOL, atol=ATOL)
            np.testing.assert_allclose(np.asarray(fn(x, w, stride, padding)), want, rtol=RTOL,
                                       atol=ATOL, err_msg=f"shape={shape}")

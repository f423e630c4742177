"""Oracle test for the ``fractional-stride-1d`` reference solution.

The definition is checked directly, entry by entry, with a NumPy loop that shares no
code with ``reference/``: out[..., n] is x[..., n // s] when n is a multiple of s and 0
otherwise, for 0 <= n < (W - 1) * s + 1.  Where PyTorch is installed, the reference is
also compared with a depthwise ``torch.nn.functional.conv_transpose1d`` whose kernels
are a single 1: with kernel width 1 and stride s, that op does nothing but insert
s - 1 zeros between neighbours.  The reference is loaded by file path and run
in-process, jitted once per (shape, stride).
"""

import tomllib
from functools import cache
from pathlib import Path

import jax
import numpy as np
import pytest

from tests.oracles.common import reference_entry

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = ROOT / "problems" / "fractional-stride-1d" / "problem.toml"

# The problem's grading tolerance (mirrors [tolerance] in problem.toml).  The output is
# a copy of the input with zeros in between, so the checks below demand exact equality.
RTOL = 1e-4
ATOL = 1e-5


def oracle(x, stride):
    """Zero insertion from the definition, one output entry at a time."""
    x = np.asarray(x)
    batch, channels, width = x.shape
    out = np.empty((batch, channels, (width - 1) * stride + 1), dtype=x.dtype)
    for b in range(batch):
        for c in range(channels):
            for n in range(out.shape[-1]):
                out[b, c, n] = x[b, c, n // stride] if n % stride == 0 else 0
    return out


def reference():
    return reference_entry("fractional_stride_1d", "fractional_stride_1d")


@cache
def reference_jit():
    return jax.jit(reference(), static_argnums=(1,))


def test_tolerance_matches_problem():
    tolerance = tomllib.loads(PROBLEM.read_text())["tolerance"]
    assert tolerance["rtol"] == RTOL
    assert tolerance["atol"] == ATOL


def test_arena_example_verbatim():
    x = np.array([[[1, 2, 3], [4, 5, 6]]], np.float32)
    expected = [[[1, 0, 2, 0, 3], [4, 0, 5, 0, 6]]]
    np.testing.assert_array_equal(oracle(x, 2), expected)
    got = np.asarray(reference()(x, 2))
    assert got.shape == (1, 2, 5)
    np.testing.assert_array_equal(got, expected)


def test_statement_second_example_and_int_input():
    x = np.array([[[1, -1, 2]]], np.float32)
    np.testing.assert_array_equal(np.asarray(reference()(x, 3)), [[[1, 0, 0, -1, 0, 0, 2]]])
    xi = np.array([[[3, -1, 4, 1], [5, 9, -2, 6]]], np.int32)
    got = np.asarray(reference()(xi, 2))
    np.testing.assert_array_equal(got, oracle(xi, 2))
    assert got.dtype.kind == "i"


# (B, C, W, stride)
SHAPES = [
    (1, 2, 3, 2),
    (2, 2, 4, 2),
    (2, 3, 5, 1),  # stride 1: identity
    (3, 2, 1, 4),  # width 1: nothing to insert
    (1, 1, 1, 1),
    (1, 2, 3, 7),  # stride larger than the width
    (2, 1, 2, 5),
    (1, 3, 5, 8),
    (4, 5, 6, 2),
    (2, 4, 9, 3),
    (1, 1, 16, 6),
    (3, 2, 7, 4),
]
SEEDS_PER_SHAPE = 17  # 12 shapes x 17 seeds = 204 random cases


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "B{}-C{}-W{}-S{}".format(*s))
def test_reference_matches_definition(shape):
    batch, channels, width, stride = shape
    rng = np.random.default_rng(list(shape))
    fn = reference_jit()
    for i in range(SEEDS_PER_SHAPE):
        x = rng.standard_normal((batch, channels, width)).astype(np.float32)
        x[rng.random(x.shape) < 0.2] = 0.0  # real zeros must stay where they are
        got = np.asarray(fn(x, stride))
        assert got.shape == (batch, channels, (width - 1) * stride + 1)
        np.testing.assert_array_equal(got, oracle(x, stride), err_msg=f"shape={shape} case={i}")


def test_torch_depthwise_unit_kernel_agrees():
    torch = pytest.importorskip("torch", reason="PyTorch not installed: pip install torch==2.13.0")
    rng = np.random.default_rng(99)
    fn = reference_jit()
    for batch, channels, width, stride in SHAPES:
        x = rng.standard_normal((batch, channels, width)).astype(np.float32)
        ones = torch.ones((channels, 1, 1))
        want = torch.nn.functional.conv_transpose1d(
            torch.from_numpy(x), ones, stride=stride, groups=channels
        ).numpy()
        np.testing.assert_array_equal(oracle(x, stride), want)
        np.testing.assert_array_equal(np.asarray(fn(x, stride)), want)

"""Oracle test for the ``trans-conv-2d`` reference solution.

The oracle is a float64 NumPy loop written from the definition (scatter form): every
input element X[i, j] adds X[i, j] * K into the output window whose top-left corner is
(i, j).  It shares no code with ``reference/``.  The reference is loaded by file path and
run in-process (jitted once per distinct shape, to keep the test fast).
"""

import tomllib
from functools import cache
from pathlib import Path

import jax
import numpy as np
import pytest

from tests.oracles.common import reference_entry

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = ROOT / "problems" / "trans-conv-2d" / "problem.toml"

# The problem's grading tolerance (mirrors [tolerance] in problem.toml).
RTOL = 1e-4
ATOL = 1e-5


def oracle(X, K):
    """Scatter-form 2-D transposed convolution (one channel, stride 1, no padding)."""
    X = np.asarray(X, dtype=np.float64)
    K = np.asarray(K, dtype=np.float64)
    n_h, n_w = X.shape
    k_h, k_w = K.shape
    Y = np.zeros((n_h + k_h - 1, n_w + k_w - 1))
    for i in range(n_h):
        for j in range(n_w):
            for a in range(k_h):
                for b in range(k_w):
                    Y[i + a, j + b] += X[i, j] * K[a, b]
    return Y


def reference():
    return reference_entry("trans_conv_2d", "trans_conv")


@cache
def reference_jit():
    return jax.jit(reference())


def test_tolerance_matches_problem():
    tolerance = tomllib.loads(PROBLEM.read_text())["tolerance"]
    assert tolerance["rtol"] == RTOL
    assert tolerance["atol"] == ATOL


D2L_X = [[0.0, 1.0], [2.0, 3.0]]
D2L_Y = [[0.0, 0.0, 1.0], [0.0, 4.0, 6.0], [4.0, 12.0, 9.0]]


def test_d2l_example_verbatim():
    # d2l's printed example: X = K = [[0, 1], [2, 3]].
    np.testing.assert_array_equal(oracle(D2L_X, D2L_X), D2L_Y)
    got = np.asarray(reference()(np.array(D2L_X, np.float32), np.array(D2L_X, np.float32)))
    assert got.shape == (3, 3)
    np.testing.assert_array_equal(got, D2L_Y)


def test_statement_second_example():
    X = np.array([[1, 2, 3], [4, 5, 6]], np.float32)
    K = np.array([[1, -1]], np.float32)
    expected = [[1, 1, 1, -3], [4, 1, 1, -6]]
    np.testing.assert_array_equal(oracle(X, K), expected)
    np.testing.assert_array_equal(np.asarray(reference()(X, K)), expected)


def test_torch_conv_transpose2d_agrees():
    torch = pytest.importorskip("torch", reason="PyTorch not installed: pip install torch==2.13.0")
    rng = np.random.default_rng(7)
    for n_h, n_w, k_h, k_w in [(2, 2, 2, 2), (3, 5, 4, 2), (1, 6, 4, 1), (6, 4, 1, 1)]:
        X = rng.standard_normal((n_h, n_w)).astype(np.float32)
        K = rng.standard_normal((k_h, k_w)).astype(np.float32)
        want = torch.nn.functional.conv_transpose2d(
            torch.from_numpy(X)[None, None], torch.from_numpy(K)[None, None]
        )[0, 0].numpy()
        np.testing.assert_allclose(oracle(X, K), want, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(np.asarray(reference()(X, K)), want, rtol=RTOL, atol=ATOL)


# (n_h, n_w, k_h, k_w)
SHAPES = [
    (2, 2, 2, 2),
    (3, 4, 3, 2),
    (5, 7, 1, 1),  # 1 x 1 kernel
    (1, 1, 3, 4),  # 1 x 1 input
    (2, 3, 5, 6),  # kernel larger than the input
    (1, 6, 4, 1),  # row input, column kernel
    (7, 1, 1, 5),  # column input, row kernel
    (12, 5, 3, 8),  # kernel wider than the input
    (6, 9, 2, 4),
    (16, 16, 7, 7),
    (9, 4, 4, 3),
    (20, 13, 5, 3),
]
SEEDS_PER_SHAPE = 17  # 12 shapes x 17 seeds = 204 random cases


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "X{}x{}-K{}x{}".format(*s))
def test_reference_matches_oracle(shape):
    n_h, n_w, k_h, k_w = shape
    rng = np.random.default_rng(list(shape))
    fn = reference_jit()
    for i in range(SEEDS_PER_SHAPE):
        scale = rng.choice([0.5, 1.0, 3.0])
        X = (scale * rng.standard_normal((n_h, n_w))).astype(np.float32)
        K = rng.standard_normal((k_h, k_w)).astype(np.float32)
        got = np.asarray(fn(X, K))
        assert got.shape == (n_h + k_h - 1, n_w + k_w - 1)
        np.testing.assert_allclose(
            got, oracle(X, K), rtol=RTOL, atol=ATOL, err_msg=f"shape={shape} case={i}"
        )

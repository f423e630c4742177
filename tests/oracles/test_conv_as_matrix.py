"""Oracle test for the ``conv-as-matrix`` reference solution.

Nothing here builds W the way the reference does.  The reference matrix is checked
against the definitions directly, with float64 NumPy loops that share no code with
``reference/``:

* ``W @ X.ravel()`` equals the valid 2-D cross-correlation of X with K (stride 1);
* ``W.T @ y`` equals the scatter-form transposed convolution of y with K (each entry
  y[i, j] adds y[i, j] * K into the window whose top-left corner is (i, j));
* column p of W is the cross-correlation of the p-th basis image, which pins every
  entry of W (so W is exactly the matrix of that linear map, shape included).

The reference is loaded by file path and run in-process, jitted once per distinct
(kernel shape, in_h, in_w) with in_h and in_w static.
"""

import tomllib
from functools import cache
from pathlib import Path

import jax
import numpy as np
import pytest

from tests.oracles.common import reference_entry

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = ROOT / "problems" / "conv-as-matrix" / "problem.toml"

# The problem's grading tolerance (mirrors [tolerance] in problem.toml).
RTOL = 1e-4
ATOL = 1e-5


def corr2d(X, K):
    """Valid cross-correlation, stride 1, float64."""
    X = np.asarray(X, dtype=np.float64)
    K = np.asarray(K, dtype=np.float64)
    k_h, k_w = K.shape
    out = np.zeros((X.shape[0] - k_h + 1, X.shape[1] - k_w + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            total = 0.0
            for a in range(k_h):
                for b in range(k_w):
                    total += X[i + a, j + b] * K[a, b]
            out[i, j] = total
    return out


def trans_conv(Y, K):
    """Scatter-form transposed convolution, stride 1, no padding, float64."""
    Y = np.asarray(Y, dtype=np.float64)
    K = np.asarray(K, dtype=np.float64)
    k_h, k_w = K.shape
    out = np.zeros((Y.shape[0] + k_h - 1, Y.shape[1] + k_w - 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            out[i : i + k_h, j : j + k_w] += Y[i, j] * K
    return out


def matrix_from_basis(K, in_h, in_w):
    """Column p = cross-correlation of the p-th basis image, flattened."""
    columns = []
    for p in range(in_h * in_w):
        e = np.zeros(in_h * in_w)
        e[p] = 1.0
        columns.append(corr2d(e.reshape(in_h, in_w), K).ravel())
    return np.stack(columns, axis=1)


def reference():
    return reference_entry("conv_as_matrix", "kernel2matrix")


@cache
def reference_jit():
    return jax.jit(reference(), static_argnums=(1, 2))


def test_tolerance_matches_problem():
    tolerance = tomllib.loads(PROBLEM.read_text())["tolerance"]
    assert tolerance["rtol"] == RTOL
    assert tolerance["atol"] == ATOL


D2L_W = [
    [1, 2, 0, 3, 4, 0, 0, 0, 0],
    [0, 1, 2, 0, 3, 4, 0, 0, 0],
    [0, 0, 0, 1, 2, 0, 3, 4, 0],
    [0, 0, 0, 0, 1, 2, 0, 3, 4],
]


def test_d2l_matrix_verbatim():
    K = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    np.testing.assert_array_equal(matrix_from_basis(K, 3, 3), D2L_W)
    W = np.asarray(reference()(K, 3, 3))
    assert W.shape == (4, 9)
    np.testing.assert_array_equal(W, D2L_W)
    # d2l's printed check: X = arange(9) gives [[27, 37], [57, 67]].
    X = np.arange(9, dtype=np.float64).reshape(3, 3)
    np.testing.assert_array_equal(corr2d(X, K), [[27, 37], [57, 67]])
    np.testing.assert_array_equal(W @ X.ravel(), [27, 37, 57, 67])
    # And the transposed direction: W.T @ y is the scatter of y.
    Y = np.array([[27.0, 37.0], [57.0, 67.0]])
    np.testing.assert_array_equal((W.T @ Y.ravel()).reshape(3, 3), trans_conv(Y, K))


def test_statement_second_example():
    W = np.asarray(reference()(np.array([[1.0], [2.0]], np.float32), 2, 2))
    np.testing.assert_array_equal(W, [[1, 0, 2, 0], [0, 1, 0, 2]])


def test_torch_conv2d_and_conv_transpose2d_agree():
    torch = pytest.importorskip("torch", reason="PyTorch not installed: pip install torch==2.13.0")
    rng = np.random.default_rng(11)
    for k_h, k_w, in_h, in_w in [(2, 2, 3, 3), (2, 3, 3, 4), (3, 1, 5, 2), (1, 2, 1, 7)]:
        K = rng.standard_normal((k_h, k_w)).astype(np.float32)
        X = rng.standard_normal((in_h, in_w)).astype(np.float32)
        W = np.asarray(reference()(K, in_h, in_w), dtype=np.float64)
        tk = torch.from_numpy(K)[None, None]
        fwd = torch.nn.functional.conv2d(torch.from_numpy(X)[None, None], tk)[0, 0].numpy()
        np.testing.assert_allclose(W @ X.ravel(), fwd.ravel(), rtol=RTOL, atol=ATOL)
        Y = rng.standard_normal(fwd.shape).astype(np.float32)
        back = torch.nn.functional.conv_transpose2d(torch.from_numpy(Y)[None, None], tk)[0, 0]
        np.testing.assert_allclose(W.T @ Y.ravel(), back.numpy().ravel(), rtol=RTOL, atol=ATOL)


# (k_h, k_w, in_h, in_w)
SHAPES = [
    (2, 2, 3, 3),
    (2, 3, 3, 4),
    (1, 1, 4, 5),  # 1 x 1 kernel
    (3, 4, 3, 4),  # kernel as large as the input
    (2, 5, 6, 5),  # kernel as wide as the input
    (1, 3, 4, 6),  # row kernel
    (3, 1, 5, 2),  # column kernel
    (1, 2, 1, 7),  # one-row input
    (2, 1, 6, 1),  # one-column input
    (3, 2, 8, 5),
    (3, 3, 9, 7),
    (4, 2, 6, 10),
]
SEEDS_PER_SHAPE = 17  # 12 shapes x 17 seeds = 204 random cases


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "K{}x{}-in{}x{}".format(*s))
def test_reference_matches_definitions(shape):
    k_h, k_w, in_h, in_w = shape
    out_h, out_w = in_h - k_h + 1, in_w - k_w + 1
    rng = np.random.default_rng(list(shape))
    fn = reference_jit()
    for i in range(SEEDS_PER_SHAPE):
        K = rng.standard_normal((k_h, k_w)).astype(np.float32)
        W = np.asarray(fn(K, in_h, in_w), dtype=np.float64)
        assert W.shape == (out_h * out_w, in_h * in_w)
        msg = f"shape={shape} case={i}"

        X = rng.standard_normal((in_h, in_w))
        np.testing.assert_allclose(W @ X.ravel(), corr2d(X, K).ravel(), rtol=RTOL, atol=ATOL,
                                   err_msg=msg)
        Y = rng.standard_normal((out_h, out_w))
        np.testing.assert_allclose(W.T @ Y.ravel(), trans_conv(Y, K).ravel(), rtol=RTOL,
                                   atol=ATOL, err_msg=msg)
        # Exact: every entry of W is a single kernel value or zero.
        np.testing.assert_array_equal(W, matrix_from_basis(K, in_h, in_w), err_msg=msg)

"""Oracle test for the ``fractional-stride-2d`` reference solution.

The oracle is a plain NumPy loop written from the definition and shares nothing with
``reference/``: an output of shape ``(B, C, (H - 1) * s_h + 1, (W - 1) * s_w + 1)`` that is
zero everywhere except ``out[b, c, i * s_h, j * s_w] = x[b, c, i, j]``.  The reference is
loaded by file path and run in-process on a couple of hundred seeded inputs.
"""

import tomllib
from pathlib import Path

import numpy as np
import pytest

from tests.oracles.common import reference_entry

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = ROOT / "problems" / "fractional-stride-2d" / "problem.toml"

# The problem's grading tolerance (mirrors [tolerance] in problem.toml).
RTOL = 1e-4
ATOL = 1e-5


def oracle(x, stride_h, stride_w):
    """Space out x along its last two axes, element by element."""
    x = np.asarray(x)
    b, c, h, w = x.shape
    out = np.zeros((b, c, (h - 1) * stride_h + 1, (w - 1) * stride_w + 1), dtype=x.dtype)
    for i in range(h):
        for j in range(w):
            out[:, :, i * stride_h, j * stride_w] = x[:, :, i, j]
    return out


def reference():
    return reference_entry("fractional_stride_2d", "fractional_stride_2d")


def test_tolerance_matches_problem():
    tolerance = tomllib.loads(PROBLEM.read_text())["tolerance"]
    assert tolerance["rtol"] == RTOL
    assert tolerance["atol"] == ATOL


def test_seed_example_verbatim():
    # ARENA's fractional_stride_1d docstring: [[[1, 2, 3], [4, 5, 6]]], stride 2
    # -> [[[1, 0, 2, 0, 3], [4, 0, 5, 0, 6]]]; here as a height-1 image.
    x = np.array([[[[1, 2, 3]], [[4, 5, 6]]]], dtype=np.float32)
    want = np.array([[[[1, 0, 2, 0, 3]], [[4, 0, 5, 0, 6]]]], dtype=np.float32)
    np.testing.assert_array_equal(oracle(x, 2, 2), want)
    got = np.asarray(reference()(x, 2, 2))
    assert got.shape == (1, 2, 1, 5)
    np.testing.assert_array_equal(got, want)


def test_statement_unequal_strides_example():
    x = np.array([[[[1, 2], [3, 4]]]], dtype=np.float32)
    want = np.array([[[[1, 0, 0, 2], [0, 0, 0, 0], [3, 0, 0, 4]]]], dtype=np.float32)
    np.testing.assert_array_equal(oracle(x, 2, 3), want)
    np.testing.assert_array_equal(np.asarray(reference()(x, 2, 3)), want)


def test_zero_count_matches_exercise_formula():
    # The exercise: (size - 1) * (stride - 1) zeros are added along an axis.
    x = np.ones((1, 1, 4, 5), dtype=np.float32)
    out = oracle(x, 3, 2)
    assert out.shape[2] == 4 + (4 - 1) * (3 - 1)
    assert out.shape[3] == 5 + (5 - 1) * (2 - 1)
    assert out.sum() == x.size


# (B, C, H, W, stride_h, stride_w)
SHAPES = [
    (1, 2, 1, 3, 2, 2),  # the seed's example shape
    (1, 1, 2, 2, 2, 3),
    (2, 3, 4, 5, 2, 2),
    (2, 3, 5, 4, 1, 1),  # identity
    (1, 2, 4, 6, 3, 1),  # height only
    (3, 1, 5, 3, 1, 4),  # width only
    (2, 2, 1, 1, 3, 5),  # single pixel
    (1, 3, 1, 7, 2, 3),  # single row
    (3, 2, 6, 1, 4, 2),  # single column
    (1, 1, 3, 3, 7, 6),  # strides much larger than the image
    (2, 4, 5, 3, 3, 2),
    (8, 1, 4, 4, 2, 2),
    (2, 4, 16, 16, 4, 3),
]
SEEDS_PER_SHAPE = 16  # 13 shapes x 16 seeds = 208 random cases


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "B{}-C{}-H{}-W{}-sh{}-sw{}".format(*s))
def test_reference_matches_oracle(shape):
    b, c, h, w, sh, sw = shape
    rng = np.random.default_rng(list(shape))
    for i in range(SEEDS_PER_SHAPE):
        x = (rng.choice([0.5, 1.0, 4.0]) * rng.standard_normal((b, c, h, w))).astype(np.float32)
        got = np.asarray(reference()(x, sh, sw))
        want = oracle(x, sh, sw)
        assert got.shape == want.shape
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=f"shape={shape} case={i}")

"""Oracle test for the ``conv-transpose2d`` reference solution.

The oracle is a plain NumPy scatter written from the definition and shares nothing with
``reference/``: every input pixel ``(i, j)`` adds ``x[n, c, i, j] * weights[c, :, :, :]``
(a scaled copy of the kernel, for every output channel) to an uncropped float64 canvas at
rows ``i * s_h ... i * s_h + k_h - 1`` and columns ``j * s_w ... j * s_w + k_w - 1``;
padding then crops ``p`` rows / columns from each side.

The reference is loaded by file path and run in-process, with ``stride`` / ``padding``
passed both as ints and as pairs (the two forms the problem's harness produces).  Where
PyTorch is installed it must also agree with ``torch.nn.functional.conv_transpose2d``.
"""

import tomllib
from pathlib import Path

import numpy as np
import pytest

from tests.oracles.common import conv_transpose2d_scatter, reference_entry

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = ROOT / "problems" / "conv-transpose2d" / "problem.toml"

# The problem's grading tolerance (mirrors [tolerance] in problem.toml).
RTOL = 1e-4
ATOL = 1e-5


oracle = conv_transpose2d_scatter


def reference():
    return reference_entry("conv_transpose2d", "conv_transpose2d")


def as_arg(pair, form):
    """The pair as the harness would pass it: an int when both entries agree and form is 'int'."""
    return pair[0] if form == "int" and pair[0] == pair[1] else tuple(pair)


def test_tolerance_matches_problem():
    tolerance = tomllib.loads(PROBLEM.read_text())["tolerance"]
    assert tolerance["rtol"] == RTOL
    assert tolerance["atol"] == ATOL


def test_d2l_example_verbatim():
    # d2l: X = [[0, 1], [2, 3]], K = [[0, 1], [2, 3]] -> [[0, 0, 1], [0, 4, 6], [4, 12, 9]].
    x = np.array([[[[0.0, 1.0], [2.0, 3.0]]]], dtype=np.float32)
    k = np.array([[[[0.0, 1.0], [2.0, 3.0]]]], dtype=np.float32)
    want = np.array([[[[0, 0, 1], [0, 4, 6], [4, 12, 9]]]], dtype=np.float64)
    np.testing.assert_array_equal(oracle(x, k, (1, 1), (0, 0)), want)
    np.testing.assert_array_equal(np.asarray(reference()(x, k, 1, 0)), want)
    np.testing.assert_array_equal(np.asarray(reference()(x, k, (1, 1), (0, 0))), want)


def test_oracle_stride_and_padding_by_hand():
    # One pixel of value 2, kernel [[1, 2, 3], [4, 5, 6], [7, 8, 9]]: the stamp is 2 * kernel;
    # padding 1 keeps only the centre, 2 * 5 = 10.
    x = np.array([[[[2.0]]]])
    k = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    np.testing.assert_array_equal(oracle(x, k, (3, 3), (0, 0))[0, 0], 2 * k[0, 0])
    np.testing.assert_array_equal(oracle(x, k, (3, 3), (1, 1))[0, 0], [[10.0]])
    # Two pixels [1, 10] in a row with a 1x2 kernel [1, 2] and stride 3: [1, 2, 0, 10, 20].
    x = np.array([[[[1.0, 10.0]]]])
    k = np.array([[[[1.0, 2.0]]]])
    np.testing.assert_array_equal(oracle(x, k, (1, 3), (0, 0))[0, 0, 0], [1, 2, 0, 10, 20])


# (B, C_in, C_out, H, W, kH, kW, stride pair, padding pair)
SHAPES = [
    (2, 3, 2, 4, 4, 3, 3, (2, 2), (1, 1)),
    (1, 2, 3, 3, 5, 2, 4, (2, 1), (0, 1)),
    (2, 4, 3, 5, 5, 1, 1, (2, 2), (0, 0)),  # 1x1 kernel
    (1, 3, 2, 4, 3, 2, 2, (3, 3), (0, 0)),  # stride > kernel
    (2, 2, 4, 6, 6, 5, 5, (2, 2), (2, 2)),  # kernel > stride
    (1, 3, 2, 3, 4, 3, 3, (2, 2), (2, 2)),  # padding at its maximum k - 1
    (2, 2, 3, 3, 5, 4, 2, (3, 1), (3, 1)),  # maximum padding, pairs
    (1, 2, 3, 5, 5, 4, 4, (1, 1), (0, 0)),  # stride 1
    (2, 3, 2, 1, 1, 3, 3, (3, 3), (1, 1)),  # single pixel, centre crop
    (3, 1, 8, 1, 6, 2, 3, (2, 2), (0, 0)),  # one row, one input channel
    (1, 8, 1, 4, 5, 3, 2, (2, 3), (0, 0)),
    (2, 3, 2, 4, 3, 3, 1, (1, 3), (1, 0)),
    (1, 4, 4, 8, 8, 4, 4, (2, 2), (1, 1)),
]
SEEDS_PER_SHAPE = 16  # 13 shapes x 16 seeds = 208 random cases


def draw(rng, shape):
    n, cin, cout, h, w, kh, kw, stride, padding = shape
    x = (rng.choice([0.5, 1.0, 3.0]) * rng.standard_normal((n, cin, h, w))).astype(np.float32)
    weights = rng.standard_normal((cin, cout, kh, kw)).astype(np.float32)
    return x, weights


def shape_id(shape):
    n, cin, cout, h, w, kh, kw, (sh, sw), (ph, pw) = shape
    return f"B{n}-ci{cin}-co{cout}-H{h}-W{w}-k{kh}x{kw}-s{sh}x{sw}-p{ph}x{pw}"


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_reference_matches_oracle(shape):
    *_, h, w, kh, kw, stride, padding = shape
    rng = np.random.default_rng([h, w, kh, kw, *stride, *padding, shape[1], shape[2]])
    for i in range(SEEDS_PER_SHAPE):
        x, weights = draw(rng, shape)
        form = "int" if i % 2 == 0 else "pair"
        got = np.asarray(reference()(x, weights, as_arg(stride, form), as_arg(padding, form)))
        want = oracle(x, weights, stride, padding)
        out_h = (h - 1) * stride[0] + kh - 2 * padding[0]
        out_w = (w - 1) * stride[1] + kw - 2 * padding[1]
        assert got.shape == want.shape == (shape[0], shape[2], out_h, out_w)
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=f"shape={shape} case={i}")


def test_reference_matches_torch():
    torch = pytest.importorskip("torch", reason="PyTorch not installed: pip install torch==2.13.0")
    rng = np.random.default_rng(2024)
    for shape in SHAPES:
        stride, padding = shape[-2], shape[-1]
        for _ in range(2):
            x, weights = draw(rng, shape)
            want = torch.nn.functional.conv_transpose2d(
                torch.from_numpy(x).double(), torch.from_numpy(weights).double(),
                stride=stride, padding=padding).numpy()
            got = np.asarray(reference()(x, weights, tuple(stride), tuple(padding)))
            np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=f"shape={shape}")
            # The NumPy oracle and torch agree to float64 precision.
            np.testing.assert_allclose(oracle(x, weights, stride, padding), want, rtol=1e-10, atol=1e-10)

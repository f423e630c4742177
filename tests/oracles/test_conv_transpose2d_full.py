"""Oracle test for the ``conv-transpose2d-full`` reference solution.

The oracle is a plain NumPy scatter written from the definition and shares nothing with
``reference/`` (which uses ``jax.lax.conv_general_dilated``).  Input cell ``(i, j)`` of
channel ``c`` in group ``g = c // (C_in / groups)`` adds ``x[n, c, i, j] * weight[c, q, a, b]``
to output channel ``g * (C_out / groups) + q`` at canvas position
``(i * s_h + a * d_h, j * s_w + b * d_w)``.  Output position ``(y, z)`` reads canvas
``(y + p_h, z + p_w)``; positions past the canvas (reachable through output_padding) are
zero.  Then the bias is added.

The reference is loaded by file path and run in-process with the hyper-parameters as ints
and as pairs.  Where PyTorch is installed it must also agree with
``torch.nn.functional.conv_transpose2d`` (groups, dilation and output_padding included).
"""

import tomllib
from pathlib import Path

import numpy as np
import pytest

from tests.oracles.common import reference_entry

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = ROOT / "problems" / "conv-transpose2d-full" / "problem.toml"

# The problem's grading tolerance (mirrors [tolerance] in problem.toml).
RTOL = 1e-4
ATOL = 1e-5


def oracle(x, weight, bias, stride, padding, output_padding, groups, dilation):
    """Full transposed 2-D convolution in float64, one input cell and tap at a time."""
    x = np.asarray(x, dtype=np.float64)
    weight = np.asarray(weight, dtype=np.float64)
    bias = np.asarray(bias, dtype=np.float64)
    (sh, sw), (ph, pw), (oph, opw), (dh, dw) = stride, padding, output_padding, dilation
    n, cin, h, w = x.shape
    cin_w, cout_g, kh, kw = weight.shape
    assert cin == cin_w and cin % groups == 0
    cin_g, cout = cin // groups, cout_g * groups
    out_h = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1
    out_w = (w - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1
    out = np.zeros((n, cout, out_h, out_w))
    for c in range(cin):
        first = (c // cin_g) * cout_g
        for i in range(h):
            for j in range(w):
                for a in range(kh):
                    y = i * sh + a * dh - ph
                    if not 0 <= y < out_h:
                        continue
                    for b in range(kw):
                        z = j * sw + b * dw - pw
                        if 0 <= z < out_w:
                            out[:, first : first + cout_g, y, z] += x[:, c, i, j, None] * weight[c, :, a, b]
    return out + bias[None, :, None, None]


def reference():
    return reference_entry("conv_transpose2d_full", "conv_transpose2d_full")


def test_tolerance_matches_problem():
    tolerance = tomllib.loads(PROBLEM.read_text())["tolerance"]
    assert tolerance["rtol"] == RTOL
    assert tolerance["atol"] == ATOL


def test_lucid_example_shape():
    # lucid docs: x (1, 16, 7, 7), w (16, 8, 4, 4), stride 2, padding 1 -> (1, 8, 14, 14).
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 16, 7, 7)).astype(np.float32)
    w = rng.standard_normal((16, 8, 4, 4)).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    got = np.asarray(reference()(x=x, weight=w, bias=b, stride=2, padding=1, output_padding=0,
                                 groups=1, dilation=1))
    assert got.shape == (1, 8, 14, 14)
    want = oracle(x, w, b, (2, 2), (1, 1), (0, 0), 1, (1, 1))
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


def test_oracle_by_hand():
    # One row [1, 10], kernel [1, 2], stride 3: [1, 2, 0, 10, 20]; dilation 2 puts the taps
    # two apart: [1, 0, 2, 10, 0, 20]; output_padding 1 adds a trailing bias-only column.
    x = np.array([[[[1.0, 10.0]]]])
    k = np.array([[[[1.0, 2.0]]]])
    zero = np.zeros(1)
    row = oracle(x, k, zero, (1, 3), (0, 0), (0, 0), 1, (1, 1))[0, 0, 0]
    np.testing.assert_array_equal(row, [1, 2, 0, 10, 20])
    row = oracle(x, k, zero, (1, 3), (0, 0), (0, 0), 1, (1, 2))[0, 0, 0]
    np.testing.assert_array_equal(row, [1, 0, 2, 10, 0, 20])
    row = oracle(x, k, np.array([0.5]), (1, 3), (0, 0), (0, 1), 1, (1, 1))[0, 0, 0]
    np.testing.assert_array_equal(row, [1.5, 2.5, 0.5, 10.5, 20.5, 0.5])
    # Two groups: channel 0 only feeds output 0, channel 1 only output 1.
    x = np.array([[[[1.0]], [[2.0]]]])
    k = np.array([[[[3.0]]], [[[5.0]]]])
    out = oracle(x, k, np.zeros(2), (1, 1), (0, 0), (0, 0), 2, (1, 1))
    np.testing.assert_array_equal(out.reshape(-1), [3.0, 10.0])


# (N, C_in, C_out, H, W, kH, kW, stride, padding, output_padding, groups, dilation)
SHAPES = [
    (1, 16, 8, 7, 7, 4, 4, (2, 2), (1, 1), (0, 0), 1, (1, 1)),  # lucid's example
    (1, 4, 6, 3, 3, 2, 2, (1, 1), (1, 1), (0, 0), 2, (2, 2)),
    (2, 2, 3, 3, 4, 3, 3, (2, 3), (1, 0), (1, 2), 1, (1, 1)),
    (2, 4, 4, 4, 4, 3, 3, (2, 2), (1, 1), (1, 1), 4, (1, 1)),  # depthwise
    (1, 6, 9, 4, 3, 2, 3, (1, 2), (0, 0), (0, 0), 3, (2, 1)),
    (1, 2, 3, 4, 5, 3, 3, (1, 1), (1, 1), (2, 2), 1, (3, 3)),  # op from dilation
    (2, 3, 2, 4, 4, 3, 3, (2, 2), (4, 4), (0, 0), 1, (2, 2)),  # padding at its maximum d(k-1)
    (1, 3, 2, 4, 4, 1, 1, (3, 3), (0, 0), (2, 2), 1, (1, 1)),  # 1x1 kernel
    (2, 2, 2, 3, 3, 2, 2, (4, 4), (0, 0), (3, 3), 1, (1, 1)),  # stride > kernel
    (1, 2, 3, 1, 1, 3, 3, (2, 2), (0, 0), (1, 1), 1, (2, 2)),  # single pixel
    (2, 4, 4, 3, 4, 3, 2, (2, 1), (1, 2), (1, 0), 2, (1, 3)),
    (1, 6, 4, 5, 4, 4, 3, (3, 2), (2, 1), (2, 1), 2, (1, 2)),
    (2, 8, 8, 6, 6, 3, 3, (2, 2), (2, 2), (1, 1), 4, (2, 2)),
]
SEEDS_PER_SHAPE = 16  # 13 shapes x 16 seeds = 208 random cases


def shape_id(s):
    n, cin, cout, h, w, kh, kw, st, p, op, g, d = s
    return (f"N{n}-ci{cin}-co{cout}-H{h}-W{w}-k{kh}x{kw}-s{st[0]}x{st[1]}-p{p[0]}x{p[1]}"
            f"-op{op[0]}x{op[1]}-g{g}-d{d[0]}x{d[1]}")


def draw(rng, shape):
    n, cin, cout, h, w, kh, kw, _, _, _, groups, _ = shape
    x = (rng.choice([0.5, 1.0, 2.0]) * rng.standard_normal((n, cin, h, w))).astype(np.float32)
    weight = rng.standard_normal((cin, cout // groups, kh, kw)).astype(np.float32)
    bias = rng.standard_normal(cout).astype(np.float32)
    return x, weight, bias


def call_reference(x, weight, bias, shape, form):
    *_, stride, padding, output_padding, groups, dilation = shape

    def arg(p):
        return p[0] if form == "int" and p[0] == p[1] else tuple(p)

    return np.asarray(reference()(x=x, weight=weight, bias=bias, stride=arg(stride),
                                  padding=arg(padding), output_padding=arg(output_padding),
                                  groups=groups, dilation=arg(dilation)))


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_reference_matches_oracle(shape):
    n, cin, cout, h, w, kh, kw, stride, padding, output_padding, groups, dilation = shape
    for axis in range(2):  # the problem's constraints
        assert 0 <= padding[axis] <= dilation[axis] * ((kh, kw)[axis] - 1)
        assert 0 <= output_padding[axis] < max(stride[axis], dilation[axis])
    rng = np.random.default_rng(list(shape[:7]) + [groups, *stride, *padding, *output_padding, *dilation])
    for i in range(SEEDS_PER_SHAPE):
        x, weight, bias = draw(rng, shape)
        got = call_reference(x, weight, bias, shape, "int" if i % 2 == 0 else "pair")
        want = oracle(x, weight, bias, stride, padding, output_padding, groups, dilation)
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=f"shape={shape} case={i}")


def test_reference_matches_torch():
    torch = pytest.importorskip("torch", reason="PyTorch not installed: pip install torch==2.13.0")
    rng = np.random.default_rng(7)
    for shape in SHAPES:
        *_, stride, padding, output_padding, groups, dilation = shape
        for _ in range(2):
            x, weight, bias = draw(rng, shape)
            want = torch.nn.functional.conv_transpose2d(
                torch.tensor(x, dtype=torch.float64), torch.tensor(weight, dtype=torch.float64),
                torch.tensor(bias, dtype=torch.float64), stride=stride, padding=padding,
                output_padding=output_padding, groups=groups, dilation=dilation).numpy()
            got = call_reference(x, weight, bias, shape, "pair")
            np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=f"shape={shape}")
            np.testing.assert_allclose(
                oracle(x, weight, bias, stride, padding, output_padding, groups, dilation), want,
                rtol=1e-10, atol=1e-10)

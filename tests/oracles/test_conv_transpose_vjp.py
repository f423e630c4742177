"""Oracle test for the ``conv-transpose-vjp`` reference solution.

Two independent NumPy computations, sharing nothing with ``reference/`` (which takes the
VJP of ``jax.lax.conv_general_dilated``):

* ``scatter_oracle``: the transposed convolution from its definition; every input pixel
  ``(i, j)`` adds ``x[n, c, i, j] * weight[c]`` to a float64 canvas at rows ``i * s_h ...``
  and columns ``j * s_w ...``, then padding crops ``p`` from each side.
* ``forward_conv``: the forward convolution ``f`` of the statement (weight read as OIHW,
  stride s, zero padding p), written as loops.  The duality ``<f(z), x> = <z, y>`` must
  hold for the reference's ``y`` and random ``z``: that is what "y is the VJP of f with
  cotangent x" means for a linear ``f``.

The reference is loaded by file path and run in-process with ints and pairs.  Where
PyTorch is installed it must also agree with ``torch.nn.functional.conv_transpose2d``.
"""

import tomllib
from pathlib import Path

import numpy as np
import pytest

from tests.oracles.common import conv_transpose2d_scatter, reference_entry

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = ROOT / "problems" / "conv-transpose-vjp" / "problem.toml"

# The problem's grading tolerance (mirrors [tolerance] in problem.toml).
RTOL = 1e-4
ATOL = 1e-5


scatter_oracle = conv_transpose2d_scatter


def forward_conv(z, weight, stride, padding):
    """f(z)[n, c, i, j] = sum_{o,a,b} z[n, o, i*s_h + a - p_h, j*s_w + b - p_w] * weight[c, o, a, b]."""
    z = np.asarray(z, dtype=np.float64)
    weight = np.asarray(weight, dtype=np.float64)
    (sh, sw), (ph, pw) = stride, padding
    n, cout, zh, zw = z.shape
    cin, _, kh, kw = weight.shape
    h = (zh + 2 * ph - kh) // sh + 1
    w = (zw + 2 * pw - kw) // sw + 1
    padded = np.zeros((n, cout, zh + 2 * ph, zw + 2 * pw))
    padded[:, :, ph : ph + zh, pw : pw + zw] = z
    out = np.zeros((n, cin, h, w))
    for i in range(h):
        for j in range(w):
            window = padded[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw]
            out[:, :, i, j] = np.einsum("noab,coab->nc", window, weight)
    return out


def reference():
    return reference_entry("conv_transpose_vjp", "conv_transpose2d_vjp")


def test_tolerance_matches_problem():
    tolerance = tomllib.loads(PROBLEM.read_text())["tolerance"]
    assert tolerance["rtol"] == RTOL
    assert tolerance["atol"] == ATOL


def test_d2l_example_verbatim():
    # d2l: X = [[0, 1], [2, 3]], K = [[0, 1], [2, 3]] -> [[0, 0, 1], [0, 4, 6], [4, 12, 9]].
    x = np.array([[[[0.0, 1.0], [2.0, 3.0]]]], dtype=np.float32)
    k = np.array([[[[0.0, 1.0], [2.0, 3.0]]]], dtype=np.float32)
    want = np.array([[[[0, 0, 1], [0, 4, 6], [4, 12, 9]]]], dtype=np.float64)
    np.testing.assert_array_equal(scatter_oracle(x, k, (1, 1), (0, 0)), want)
    np.testing.assert_array_equal(np.asarray(reference()(x=x, weight=k, stride=1, padding=0)), want)


def test_forward_conv_output_size_is_the_input_size():
    # The forward conv maps (H_out, W_out) = ((H-1)s + k - 2p, ...) back to exactly (H, W).
    for h, s, k, p in [(4, 2, 3, 1), (3, 3, 2, 0), (3, 2, 3, 2), (1, 3, 3, 1), (5, 1, 4, 0)]:
        h_out = (h - 1) * s + k - 2 * p
        z = np.zeros((1, 1, h_out, h_out))
        assert forward_conv(z, np.zeros((1, 1, k, k)), (s, s), (p, p)).shape[2:] == (h, h)


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
    (2, 3, 3, 4, 3, 3, 2, (1, 2), (1, 0)),  # C_in == C_out
    (3, 1, 8, 1, 6, 2, 3, (2, 2), (0, 0)),  # one row, one input channel
    (1, 4, 4, 8, 8, 4, 4, (2, 2), (1, 1)),
]
SEEDS_PER_SHAPE = 18  # 12 shapes x 18 seeds = 216 random cases


def shape_id(shape):
    n, cin, cout, h, w, kh, kw, (sh, sw), (ph, pw) = shape
    return f"B{n}-ci{cin}-co{cout}-H{h}-W{w}-k{kh}x{kw}-s{sh}x{sw}-p{ph}x{pw}"


def draw(rng, shape):
    n, cin, cout, h, w, kh, kw, _, _ = shape
    x = (rng.choice([0.5, 1.0, 3.0]) * rng.standard_normal((n, cin, h, w))).astype(np.float32)
    weight = rng.standard_normal((cin, cout, kh, kw)).astype(np.float32)
    return x, weight


def as_arg(pair, form):
    return pair[0] if form == "int" and pair[0] == pair[1] else tuple(pair)


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_reference_matches_oracle(shape):
    stride, padding = shape[-2], shape[-1]
    rng = np.random.default_rng([*shape[:7], *stride, *padding])
    for i in range(SEEDS_PER_SHAPE):
        x, weight = draw(rng, shape)
        form = "int" if i % 2 == 0 else "pair"
        got = np.asarray(reference()(x=x, weight=weight, stride=as_arg(stride, form),
                                     padding=as_arg(padding, form)))
        want = scatter_oracle(x, weight, stride, padding)
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=f"shape={shape} case={i}")
        if i < 3:
            # Duality: <f(z), x> = <z, f^T x> for the statement's forward conv f.
            z = rng.standard_normal(want.shape)
            lhs = np.sum(forward_conv(z, weight, stride, padding) * x)
            rhs = np.sum(z * got)
            assert abs(lhs - rhs) <= 1e-4 * (1 + np.sum(np.abs(z * got))), f"shape={shape} case={i}"


def test_reference_matches_torch():
    torch = pytest.importorskip("torch", reason="PyTorch not installed: pip install torch==2.13.0")
    rng = np.random.default_rng(11)
    for shape in SHAPES:
        stride, padding = shape[-2], shape[-1]
        for _ in range(2):
            x, weight = draw(rng, shape)
            want = torch.nn.functional.conv_transpose2d(
                torch.tensor(x, dtype=torch.float64), torch.tensor(weight, dtype=torch.float64),
                stride=stride, padding=padding).numpy()
            got = np.asarray(reference()(x=x, weight=weight, stride=stride, padding=padding))
            np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=f"shape={shape}")
            np.testing.assert_allclose(scatter_oracle(x, weight, stride, padding), want,
                                       rtol=1e-10, atol=1e-10)

"""NumPy first, op by op (``sandbox/numpy_eager.py``): every handler against XLA's result.

Trusted code only, in this process: each expression runs op by op twice, as JAX runs
it (XLA compiles each primitive) and under ``numpy_first()``, and the two must agree
bit for bit (a float sum or product to rounding), with the same dtype and weak type.
Under ``numpy_first()`` the handled expressions leave nothing to XLA.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections import Counter
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from sandbox.numpy_eager import numpy_first

RNG = np.random.default_rng(7)
X = RNG.normal(size=(7, 11)).astype(np.float32)
Y = RNG.normal(size=(7, 11)).astype(np.float32)
INTS = RNG.integers(-50, 50, size=(7, 11)).astype(np.int32)
POSITIVE = RNG.integers(1, 9, size=(7, 11)).astype(np.int32)
B = RNG.normal(size=(3, 7, 5)).astype(np.float32)

# (name, expression over JAX arrays x, y, i, j, b): exact unless listed in ROUNDED.
EXACT: list[tuple[str, Callable[..., object]]] = [
    ("arithmetic", lambda x, y, i, j, b: (x + y, x - y, x * y, x / y, -x, jnp.maximum(x, y),
                                          jnp.minimum(x, y), i + j, i * j, i - j)),
    ("comparisons and logic", lambda x, y, i, j, b: (x < y, x <= y, x == y, x != y, x > y,
                                                     (i > 0) & (j > 3), (i > 0) | (j > 3), ~(i > 0))),
    ("elementwise", lambda x, y, i, j, b: (jnp.abs(x), jnp.sign(x), jnp.floor(x), jnp.ceil(x),
                                           jnp.sqrt(jnp.abs(x)), jnp.isfinite(x / 0.0))),
    ("integer powers", lambda x, y, i, j, b: (x ** 2, x ** 3, x ** 5, x ** -1, x ** -3, jnp.square(x))),
    ("select and clip", lambda x, y, i, j, b: (jnp.where(x > 0, x, y), jnp.clip(x, -0.5, 0.25))),
    ("conversions", lambda x, y, i, j, b: (x.astype(jnp.int32), i.astype(jnp.float32),
                                           x.astype(bool), i.astype(jnp.uint8))),
    ("shapes", lambda x, y, i, j, b: (x.reshape(11, 7), x.T, jnp.transpose(b, (2, 0, 1)),
                                      x[None, :, None].squeeze((0, 2)), jnp.flip(x, 1),
                                      jnp.broadcast_to(x[:, None, :], (7, 2, 11)),
                                      jnp.concatenate([x, y, x], axis=1))),
    ("slices", lambda x, y, i, j, b: (x[1:6:2, ::3], x[3], x[-1, 2:], lax.iota(jnp.int32, 13),
                                      lax.broadcasted_iota(jnp.float32, (4, 6), 1))),
    ("pads", lambda x, y, i, j, b: (jnp.pad(x, ((1, 2), (0, 3))),
                                    lax.pad(x, jnp.float32(-1), [(1, -2, 1), (-3, 2, 2)]),
                                    lax.pad(i, jnp.int32(5), [(0, 0, 3), (2, -4, 0)]))),
    ("dynamic slices", lambda x, y, i, j, b: (lax.dynamic_slice(x, (5, -3), (4, 4)),
                                              lax.dynamic_slice(x, (2, 3), (3, 5)),
                                              lax.dynamic_update_slice(x, y[:3, :4], (6, 9)),
                                              lax.dynamic_update_slice(i, j[:2, :2], (-2, 4)))),
    ("scatters", lambda x, y, i, j, b: (
        x.at[3].add(y[0]), x.at[:, 2:9:3].add(y[:, :3]), x.at[jnp.array([1, 1, 6])].add(y[:3]),
        x.at[jnp.array([2, 9, -1])].add(y[:3], mode="drop"),
        x.at[jnp.array([2, 9, 0])].add(y[:3], mode="clip"),
        x.at[jnp.array([[0, 10], [5, 3]])].set(-2.0),
        i.at[1:4, 5].set(j[0, :3]), x.at[2, 20].add(1.0, mode="drop"))),
    ("integer reductions", lambda x, y, i, j, b: (i.sum(0), i.max(1), x.max(), x.min(0))),
]
ROUNDED: list[tuple[str, Callable[..., object]]] = [
    ("products", lambda x, y, i, j, b: (x @ y.T, x[0] @ y[1], jnp.einsum("bij,j->bi", b, x[0, :5]),
                                        jnp.einsum("bij,bkj->bik", b, b), x.sum(), x.sum(1))),
]


def _arrays() -> tuple[jax.Array, ...]:
    return tuple(jnp.asarray(a) for a in (X, Y, INTS, POSITIVE, B))


def _both(expression: Callable[..., object], jit_kept: bool) -> tuple[list, list, Counter]:
    """The leaves as XLA computes them op by op, as NumPy first does, and which
    primitives (``jit``: compiled calls) XLA still ran under ``numpy_first()``."""
    arrays = _arrays()  # (under ``disable_jit`` ``jnp.asarray`` gives a NumPy subclass)
    with contextlib.nullcontext() if jit_kept else jax.disable_jit():
        expected = jax.tree_util.tree_leaves(expression(*arrays))
        with numpy_first() as to_xla:
            actual = jax.tree_util.tree_leaves(expression(*arrays))
    return expected, actual, to_xla


@pytest.mark.parametrize("jit_kept", [False, True], ids=["disable_jit", "jit_kept"])
@pytest.mark.parametrize("name", [name for name, _ in EXACT])
def test_allow_numpy_computes_what_xla_computes_bit_for_bit(name, jit_kept):
    expected, actual, to_xla = _both(dict(EXACT)[name], jit_kept)
    for a, b in zip(actual, expected, strict=True):
        assert isinstance(a, jax.Array) and a.dtype == b.dtype and a.weak_type == b.weak_type, (a, b)
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert not to_xla, to_xla


@pytest.mark.parametrize("jit_kept", [False, True], ids=["disable_jit", "jit_kept"])
def test_allow_float_sums_and_products_agree_to_rounding(jit_kept):
    expected, actual, to_xla = _both(dict(ROUNDED)["products"], jit_kept)
    for a, b in zip(actual, expected, strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
    assert not to_xla, to_xla


def test_deny_what_numpy_would_compute_otherwise_runs_on_xla():
    # Integer division rounds toward zero in XLA, down in NumPy; a float out of the
    # integer range converts as XLA does; transcendental functions are XLA's own.
    def expression(x, y, i, j, b):
        return (i // j, -i // j, lax.div(i, j), (x * 1e10).astype(jnp.int32),
                jnp.where(x > 0, jnp.nan, x).astype(jnp.int32), jnp.exp(x), jnp.tanh(y))

    expected, actual, to_xla = _both(expression, jit_kept=False)
    for a, b in zip(actual, expected, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert {"div", "convert_element_type", "exp", "tanh"} <= set(to_xla), to_xla


def test_allow_numpy_first_ends_with_its_block():
    from jax._src import core, pjit

    before = (core.EvalTrace.process_primitive, pjit._pjit_call_impl_python)
    with pytest.raises(ZeroDivisionError), numpy_first():
        raise ZeroDivisionError
    assert (core.EvalTrace.process_primitive, pjit._pjit_call_impl_python) == before


def test_deny_a_jitted_branch_on_a_value_still_fails_to_trace():
    # With ``jax.jit`` kept, a learner's own ``jit`` still traces first: NumPy runs only
    # what traced, so code that real JAX rejects is rejected here too.
    @jax.jit
    def branchy(x):
        return x if x.sum() > 0 else -x

    with numpy_first(), pytest.raises(jax.errors.TracerBoolConversionError):
        branchy(jnp.ones(3))


def _compiles_of(call: Callable[[], object]) -> tuple[object, int]:
    """``call()``'s value and how many programs XLA compiled meanwhile."""
    seen = [0]

    def count(event: str, seconds: float, **kwargs: object) -> None:
        seen[0] += event == "/jax/core/compile/backend_compile_duration"

    jax.monitoring.register_event_duration_secs_listener(count)
    try:
        return call(), seen[0]
    finally:
        from jax._src import monitoring

        monitoring.unregister_event_duration_listener(count)


def test_allow_a_learners_program_numpy_computes_is_evaluated_not_compiled():
    # A program the cache does not hold, from a learner's run: NumPy computes every
    # equation (a scatter written by hand), so nothing compiles; the reference's run
    # (writable) compiles the same program, and the two agree to rounding.
    from sandbox.programs import run_program

    def scatter_by_hand(x, w):
        out = jnp.zeros((x.shape[0] * 2 + 2, w.shape[1]))
        for i in range(x.shape[0]):
            out = out.at[2 * i: 2 * i + 3].add(x[i, :, None] * w)
        return out

    x, w = np.asarray(X[:, :3]), np.asarray(B[0, :3, :])
    learner, compiled = _compiles_of(lambda: run_program(scatter_by_hand, (x, w), None, writable=False))
    assert compiled == 0
    reference, compiled = _compiles_of(lambda: run_program(scatter_by_hand, (x, w), None, writable=True))
    assert compiled > 0
    np.testing.assert_allclose(np.asarray(learner), np.asarray(reference), rtol=1e-5, atol=1e-6)


def test_deny_a_program_with_a_primitive_numpy_leaves_to_xla_is_compiled():
    from sandbox.programs import run_program

    def softplus_sum(x):
        return jnp.log1p(jnp.exp(x)).sum(0)

    value, compiled = _compiles_of(lambda: run_program(softplus_sum, (np.asarray(X),), None,
                                                       writable=False))
    assert compiled > 0
    np.testing.assert_allclose(np.asarray(value), np.log1p(np.exp(X)).sum(0), rtol=1e-5)


def test_deny_entering_numpy_first_starts_no_backend():
    # A child that never computes (the self-check's probes) must not pay for XLA's
    # backend: the default device is asked for on the first result NumPy computes.
    # A fresh interpreter, since this one's backend is running.
    probe = ("from jax._src import xla_bridge\n"
             "from sandbox.numpy_eager import numpy_first\n"
             "with numpy_first():\n    pass\n"
             "print(xla_bridge.backends_are_initialized())\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                          check=True)
    assert done.stdout.split() == ["False"]

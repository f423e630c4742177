"""The forward pass ``init`` traced, taken from the cached parameters
(``sandbox/init_forward.py``): a Flax module whose forward pass is not worth compiling
gets each case's output from ``init_all``'s own trace, evaluated by NumPy, instead of
running ``apply`` op by op, unless the code may tell ``init`` from ``apply`` or prints.

The first tests run trusted code in this process (``run_program`` as the child calls
it); the last ones run the real Flax harness in the real sandbox.
"""

from __future__ import annotations

import ast
import textwrap

import numpy as np
import pytest

from sandbox import CaseSpec, CaseStatus, Limits, RunRequest
from sandbox.harnesses import builtin_source
from sandbox.init_forward import distinguishes_init
from sandbox.programs import OUTPUTS_PREFIX, NotWorthCompiling, run_program
from sandbox.whole_run import MAX_EQUATIONS_PER_KIND

LIMITS = Limits(time_s=5.0, memory_mb=1024, startup_s=10.0)
STEPS = 4 * int(MAX_EQUATIONS_PER_KIND) + 1  # a loop not worth compiling


def _programs(forward_of):
    """``init_all`` that records its forward outputs (as the Flax harness does) and
    ``apply_all``, both computing ``forward_of(w, x)`` from a drawn ``w``."""
    import jax

    def init_all(keys, xs):
        params = [{"w": jax.random.normal(key, x.shape)} for key, x in zip(keys, xs, strict=True)]
        init_all.forward_outputs = [forward_of(p["w"], x) for p, x in zip(params, xs, strict=True)]
        return params

    def apply_all(params, xs):
        return [forward_of(p["w"], x) for p, x in zip(params, xs, strict=True)]

    return init_all, apply_all


def _declined(init_all, keys, xs, cache: str) -> NotWorthCompiling:
    with pytest.raises(NotWorthCompiling) as declined:
        run_program(init_all, (keys, xs), cache, writable=False, worth_compiling=lambda _: False)
    return declined.value


def _loop(w, x):
    import jax.numpy as jnp

    for step in range(STEPS):
        x = x * jnp.float32(0.5) + w * jnp.float32(step)
    return x


def test_allow_the_forward_pass_from_cached_parameters_equals_apply(tmp_path):
    import jax

    keys = [np.asarray(jax.random.PRNGKey(i)) for i in range(3)]
    xs = [np.linspace(-1, 1, 5, dtype=np.float32) * (i + 1) for i in range(3)]
    init_all, apply_all = _programs(_loop)
    cache = str(tmp_path)
    params = run_program(init_all, (keys, xs), cache, writable=True)
    expected = [np.asarray(y) for y in run_program(apply_all, (params, xs), cache, writable=True)]

    declined = _declined(init_all, keys, xs, cache)
    assert declined.forward_outputs is not None
    for got, want in zip(declined.forward_outputs, expected, strict=True):
        # (to rounding: XLA may fuse a multiply and an add, NumPy rounds each)
        np.testing.assert_allclose(got, want.ravel(), rtol=1e-6)

    # Computed from the cached parameters, not drawn again: doctored ones show.
    (stored,) = tmp_path.glob(f"{OUTPUTS_PREFIX}*.npz")
    with np.load(stored) as arrays:
        ws = [arrays[f"arr_{i}"] for i in range(len(arrays.files))]
    np.savez(stored, *[w * 2 for w in ws])
    for got, w, x in zip(_declined(init_all, keys, xs, cache).forward_outputs, ws, xs, strict=True):
        np.testing.assert_allclose(got, np.asarray(_loop(w * 2, x)).ravel(), rtol=1e-6)


def _with_exp(w, x):
    import jax.numpy as jnp

    return _loop(w, x) + jnp.float32(0) * jnp.exp(w).sum()  # exp: XLA's, not NumPy's


def _vouched_for_by_nobody(w, x):
    return None


@pytest.mark.parametrize("forward_of", [_with_exp, _vouched_for_by_nobody])
def test_deny_a_forward_pass_numpy_does_not_compute_gives_none(tmp_path, forward_of):
    import jax

    keys = [np.asarray(jax.random.PRNGKey(1))]
    xs = [np.ones(4, np.float32)]
    init_all, apply_all = _programs(forward_of)
    params = run_program(init_all, (keys, xs), str(tmp_path), writable=True)
    run_program(apply_all, (params, xs), str(tmp_path), writable=True)  # (params stored now)
    declined = _declined(init_all, keys, xs, str(tmp_path))
    assert declined.init_outputs is not None and declined.forward_outputs is None


@pytest.mark.parametrize(("source", "distinguishes"), [
    ("y = x if self.is_initializing() else -x", True),
    ("self.sow('intermediates', 'h', x)", True),
    ("key = self.make_rng('dropout')", True),
    ("y = nn.Dense(3)(x) + self.param('b', nn.initializers.zeros, (3,))", False),
])
def test_distinguishes_init_names_the_flax_calls_that_tell_init_from_apply(source, distinguishes):
    assert distinguishes_init(ast.parse(source)) is distinguishes


def _loop_module(after_loop: str) -> str:
    """A Flax module whose forward pass is a loop not worth compiling, then ``after_loop``
    (one statement, at the loop's indentation)."""
    return textwrap.dedent(f"""
        import flax.linen as nn

        class Loop(nn.Module):
            @nn.compact
            def __call__(self, x):
                w = self.param("w", nn.initializers.normal(1.0), (x.shape[-1],))
                for _ in range({STEPS}):
                    x = x + w
                {{after_loop}}
                return x
    """).replace("{after_loop}", after_loop)


def _graded(sandbox, cache, code: str, writable: bool):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    cases = tuple(CaseSpec(f"c{i}", {"seed": i, "x": x}) for i in range(3))
    result = sandbox.run(RunRequest(code=code, entry="Loop", cases=cases,
                                    harness_code=builtin_source("flax_module"),
                                    cache_dir=str(cache), cache_writable=writable), LIMITS)
    assert all(c.status is CaseStatus.OK for c in result.cases), [
        (c.status, c.message) for c in result.cases]
    return result


def _reference_then_learner(sandbox, world_tmp, code: str):
    """``code`` graded as the reference (compiled, writing the cache), then as a learner."""
    cache = world_tmp / "xla-cache"
    cache.mkdir(mode=0o755)
    return _graded(sandbox, cache, code, writable=True), _graded(sandbox, cache, code, writable=False)


def _assert_learner_ran_eagerly_and_matches(reference, learner) -> None:
    assert {c.execution for c in learner.cases} == {"eager"}
    for ours, theirs in zip(learner.cases, reference.cases, strict=True):
        np.testing.assert_allclose(ours.output, theirs.output, rtol=1e-5)


def test_deny_init_forward_for_code_that_tells_init_from_apply(sandbox, world_tmp):
    # At ``init`` this module adds 100; ``apply`` is what a case's output is.
    code = _loop_module("x = x + 100.0 if self.is_initializing() else x")
    _assert_learner_ran_eagerly_and_matches(*_reference_then_learner(sandbox, world_tmp, code))


def test_deny_init_forward_for_code_that_prints(sandbox, world_tmp):
    # Printed while traced, a value shows as a tracer; ``apply`` op by op prints numbers.
    _, learner = _reference_then_learner(sandbox, world_tmp, _loop_module("print('sum', x.sum())"))
    for case in learner.cases:
        printed = case.stdout.splitlines()[-1]
        assert printed.startswith("sum ") and "Traced" not in printed, case.stdout
        float(printed.split()[1])


def test_allow_a_flax_loop_takes_its_outputs_from_the_traced_forward_pass(sandbox, world_tmp):
    # Code that adds 1000 when run op by op (its value is no tracer) shows which ran: the
    # reference compiles (traced), and the learner's cases take init's traced forward
    # pass, so the two agree; ``apply`` op by op would have added 1000.
    code = _loop_module("x = x if isinstance(x, jax.core.Tracer) else x + 1000.0")
    code = "import jax\n" + code
    _assert_learner_ran_eagerly_and_matches(*_reference_then_learner(sandbox, world_tmp, code))

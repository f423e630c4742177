"""JAX code under a harness with only ``run_case`` runs every case as one compiled program
(``sandbox/whole_run.py``), and falls back to running the cases one by one, op by op,
whenever that program cannot stand in for them: the outputs, the errors and the
printed text a learner reads never depend on which path ran.
"""

from __future__ import annotations

import textwrap

import numpy as np

from sandbox import CaseSpec, CaseStatus, RunRequest
from sandbox.harnesses import builtin_source
from sandbox.whole_run import MAX_EQUATIONS_PER_KIND, mutates_parameters, traced_and_static
from tests.sandbox.conftest import FAST, run

INPUTS = {"x": np.arange(6, dtype=np.float32).reshape(2, 3), "k": 2, "pair": np.array([2, 3])}

TRACEABLE = """
    import jax.numpy as jnp

    def f(x, k, pair):
        return jnp.tile(x, (1, int(pair[0]))) * k
"""


def _outputs(result) -> list:
    assert all(c.status is CaseStatus.OK for c in result.cases), [
        (c.status, c.message) for c in result.cases]
    return [np.asarray(c.output).tolist() for c in result.cases]


def _expected() -> list:
    return (np.tile(INPUTS["x"], (1, 2)) * 2).tolist()


def test_float_arrays_are_traced_and_the_rest_stays_concrete():
    traced, static = traced_and_static(INPUTS)
    assert list(traced) == ["x"]
    assert set(static) == {"k", "pair"} and isinstance(static["pair"], np.ndarray)


def test_allow_traceable_jax_code_runs_as_one_program(sandbox):
    result = run(sandbox, TRACEABLE, inputs=INPUTS, n_cases=3)
    assert _outputs(result) == [_expected()] * 3
    assert {c.execution for c in result.cases} == {"batch"}


def test_allow_code_that_cannot_be_traced_runs_case_by_case(sandbox):
    code = """
        import numpy as np
        import jax.numpy as jnp

        def f(x, k, pair):
            return jnp.asarray(np.tile(np.asarray(x), (1, int(pair[0]))) * k)
    """
    result = run(sandbox, code, inputs=INPUTS, n_cases=3)
    assert _outputs(result) == [_expected()] * 3
    assert {c.execution for c in result.cases} == {"per_case"}


def test_allow_printed_values_read_as_numbers_not_tracers(sandbox):
    code = """
        import jax.numpy as jnp

        def f(x, k, pair):
            print("sum is", x.sum())
            return jnp.tile(x, (1, int(pair[0]))) * k
    """
    result = run(sandbox, code, inputs=INPUTS, n_cases=2)
    assert _outputs(result) == [_expected()] * 2
    assert {c.execution for c in result.cases} == {"per_case"}
    assert all(c.stdout.strip() == "sum is 15.0" for c in result.cases), [c.stdout for c in result.cases]


def test_allow_a_loop_of_one_operation_runs_op_by_op(sandbox):
    # One equation of one kind per loop step: over the equations per kind worth compiling.
    steps = 4 * int(MAX_EQUATIONS_PER_KIND) + 1
    code = f"""
        def f(x, k, pair):
            for _ in range({steps}):
                x = x + 1.0
            return x
    """
    result = run(sandbox, code, inputs=INPUTS, n_cases=2)
    assert _outputs(result) == [(INPUTS["x"] + steps).tolist()] * 2
    assert {c.execution for c in result.cases} == {"per_case"}


def test_allow_a_flax_module_not_worth_compiling_runs_eagerly_in_one_run(sandbox):
    # The Flax harness compiles its own cases too, so a module whose program repeats a
    # few kinds of equation (a Python loop) runs op by op at once, not down the ladder.
    steps = 4 * int(MAX_EQUATIONS_PER_KIND) + 1
    code = f"""
        import flax.linen as nn

        class Loop(nn.Module):
            @nn.compact
            def __call__(self, x):
                w = self.param("w", nn.initializers.ones, (x.shape[-1],))
                for _ in range({steps}):
                    x = x * w + 1.0
                return x
    """
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    cases = tuple(CaseSpec(f"c{i}", {"seed": i, "x": x}) for i in range(3))
    result = sandbox.run(RunRequest(code=textwrap.dedent(code), entry="Loop", cases=cases,
                                    harness_code=builtin_source("flax_module")), FAST)
    assert _outputs(result) == [(x + steps).ravel().tolist()] * 3
    assert {c.execution for c in result.cases} == {"eager"}


def test_allow_numpy_submissions_never_compile(sandbox):
    code = """
        import numpy as np

        def f(x, k, pair):
            return np.tile(x, (1, int(pair[0]))) * k
    """
    result = run(sandbox, code, inputs=INPUTS, n_cases=2, framework="numpy")
    assert _outputs(result) == [_expected()] * 2
    assert {c.execution for c in result.cases} == {"per_case"}


def test_deny_an_error_in_one_case_is_reported_on_that_case(sandbox):
    code = """
        import jax.numpy as jnp

        def f(x, k, pair):
            if k == 3:
                raise ValueError("three is not allowed")
            return x * k
    """
    cases = tuple(CaseSpec(f"c{i}", dict(INPUTS, k=k)) for i, k in enumerate((1, 3, 2)))
    result = sandbox.run(RunRequest(code=textwrap.dedent(code), harness_code=builtin_source("call"),
                                    entry="f", cases=cases), FAST)
    statuses = [c.status for c in result.cases]
    assert statuses == [CaseStatus.OK, CaseStatus.ERROR, CaseStatus.OK], statuses
    assert "three is not allowed" in result.cases[1].message
    # Only the case that raised runs alone; the others are still one program.
    assert [c.execution for c in result.cases] == ["batch", "per_case", "batch"]
    assert [np.asarray(result.cases[i].output).tolist() for i in (0, 2)] == [
        (INPUTS["x"] * k).tolist() for k in (1, 2)]


def test_allow_a_case_left_out_of_the_program_keeps_its_turn_and_its_own_allowance(sandbox):
    # The case that cannot be traced (it branches on a value) runs alone, between the
    # program's cases, and prints in its turn; its CPU time is its own, not the program's,
    # even when its frame reaches the supervisor in one read with the program's end
    # (a busy machine): it does measurable work alone, which must show on it.
    code = """
        import jax.numpy as jnp

        def f(x, k, pair):
            print("case", k)
            if k == 3 and float(x.sum()) > 0:
                return x * 0.5 + 0 * sum(i * i for i in range(300_000))
            return x * k
    """
    cases = tuple(CaseSpec(f"c{i}", dict(INPUTS, k=k)) for i, k in enumerate((3, 1, 2)))
    result = sandbox.run(RunRequest(code=textwrap.dedent(code), harness_code=builtin_source("call"),
                                    entry="f", cases=cases), FAST)
    assert [c.status for c in result.cases] == [CaseStatus.OK] * 3, [
        c.message for c in result.cases]
    assert [c.execution for c in result.cases] == ["per_case", "batch", "batch"]
    assert [np.asarray(c.output).tolist() for c in result.cases] == [
        (INPUTS["x"] * k).tolist() for k in (0.5, 1, 2)]
    assert [c.stdout.strip() for c in result.cases] == ["case 3", "case 1", "case 2"]
    assert all(c.cpu_ms > 0 for c in result.cases), [(c.execution, c.cpu_ms) for c in result.cases]


def test_allow_jax_code_returning_numpy_keeps_its_dtype(sandbox):
    code = """
        import numpy as np

        def f(x, k, pair):
            return np.ones(3)
    """
    result = run(sandbox, code, inputs=INPUTS, n_cases=2)
    assert {c.execution for c in result.cases} == {"per_case"}
    assert {np.asarray(c.output).dtype for c in result.cases} == {np.dtype(np.float64)}


def test_deny_an_index_out_of_bounds_is_numpys_error_not_a_clamped_value(sandbox):
    # In a compiled program JAX clamps the index and returns x[-1]; case by case NumPy raises.
    code = """
        def f(x, k, pair):
            return x[10**6] * k
    """
    result = run(sandbox, code, inputs=INPUTS, n_cases=2)
    assert {c.status for c in result.cases} == {CaseStatus.ERROR}, [c.status for c in result.cases]
    assert all("IndexError" in c.message for c in result.cases)


def test_allow_a_whole_slice_set_runs_as_one_program(sandbox):
    # ``y.at[..., ::1].set(x)`` lowers to a scatter whose index vectors have no component,
    # on which JAX 0.10's index check raised (empty argmin) and sent the run op by op.
    code = """
        import jax.numpy as jnp

        def f(x, k, pair):
            spaced = jnp.zeros((x.shape[0], x.shape[1] * (k - 1)), jnp.float32)
            return spaced.at[..., ::k - 1].set(x) * k
    """
    result = run(sandbox, code, inputs=INPUTS, n_cases=3)
    assert _outputs(result) == [(INPUTS["x"] * 2).tolist()] * 3
    assert {c.execution for c in result.cases} == {"batch"}


def test_allow_code_writing_into_a_parameter_runs_case_by_case(sandbox):
    code = """
        import jax.numpy as jnp

        def f(x, k, pair):
            alias = x
            x *= k
            return jnp.asarray(alias + x)
    """
    result = run(sandbox, code, inputs=INPUTS, n_cases=2)
    assert _outputs(result) == [(INPUTS["x"] * 4).tolist()] * 2
    assert {c.execution for c in result.cases} == {"per_case"}


def test_mutates_parameters_sees_only_augmented_assignment_to_a_parameter():
    assert mutates_parameters("def f(x):\n    x += 1\n    return x\n")
    assert mutates_parameters("def f(*, w):\n    def g(v):\n        w *= 2\n    return w\n")
    assert not mutates_parameters("def f(x):\n    out = x\n    out += 1\n    return out\n")
    assert not mutates_parameters("def f(x):\n    x = x + 1\n    return x\n")

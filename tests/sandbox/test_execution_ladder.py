"""The execution ladder: when running every case as one compiled program (or one per
case) runs out of memory or CPU time, the sandbox runs the cases again one step down
(per case, then eager) under the same limits; an optimisation never changes a verdict.

A test harness stands in for a compiler that blows up: its ``batch`` (all cases as one
program) and its compiled ``run_case`` exhaust memory or CPU, its eager path (under
``jax.disable_jit``) does not.
"""

from __future__ import annotations

import textwrap

from sandbox import CaseSpec, CaseStatus, Limits, RunRequest, Termination

LIMITS = Limits(time_s=1.0, memory_mb=384, startup_s=5.0)
CODE = "import numpy as np\n\ndef f(n, **_):\n    return np.arange(3) * n\n"

HARNESS = textwrap.dedent('''
    import jax
    import numpy as np

    def _exhaust(what):
        if what == "memory":
            hoard = []
            while True:
                hoard.append(np.ones(64 << 20, np.uint8))
        while True:
            pass

    def run_case(entry, inputs):
        inputs = dict(inputs)
        what = {1: "memory", 2: "cpu"}.get(int(inputs.pop("compiled_fails")))
        if what and not jax.config.jax_disable_jit:
            _exhaust(what)  # stands for compiling this case
        return entry(**inputs)

    def batch(entry, cases, begin_case, run):
        _exhaust({1: "memory", 2: "cpu"}.get(int(cases[0]["batch_fails"]), "memory"))
''')


def _run(box, batch_fails: int, compiled_fails: int, code: str = CODE, n_cases: int = 3):
    cases = tuple(CaseSpec(f"c{i}", {"n": i + 1, "batch_fails": batch_fails,
                                     "compiled_fails": compiled_fails})
                  for i in range(n_cases))
    return box.run(RunRequest(code=code, harness_code=HARNESS, entry="f", cases=cases), LIMITS)


def _outputs(result) -> list[list[int]]:
    assert all(c.status is CaseStatus.OK for c in result.cases), [
        (c.status, c.message) for c in result.cases]
    return [c.output.tolist() for c in result.cases]


def test_allow_batch_out_of_memory_falls_back_to_one_program_per_case(sandbox):
    result = _run(sandbox, batch_fails=1, compiled_fails=0)
    assert _outputs(result) == [[0, 1, 2], [0, 2, 4], [0, 3, 6]]
    assert {c.execution for c in result.cases} == {"per_case"}


def test_allow_batch_out_of_cpu_time_falls_back_to_one_program_per_case(sandbox):
    result = _run(sandbox, batch_fails=2, compiled_fails=0, n_cases=2)
    assert _outputs(result) == [[0, 1, 2], [0, 2, 4]]
    assert {c.execution for c in result.cases} == {"per_case"}


def test_allow_compiled_case_out_of_memory_falls_back_to_eager(sandbox):
    result = _run(sandbox, batch_fails=1, compiled_fails=1)
    assert _outputs(result) == [[0, 1, 2], [0, 2, 4], [0, 3, 6]]
    assert {c.execution for c in result.cases} == {"eager"}


def test_allow_compiled_case_out_of_cpu_time_falls_back_to_eager(sandbox):
    result = _run(sandbox, batch_fails=1, compiled_fails=2, n_cases=2)
    assert _outputs(result) == [[0, 1, 2], [0, 2, 4]]
    assert {c.execution for c in result.cases} == {"eager"}


def test_deny_memory_bomb_on_every_path_is_still_a_memory_verdict(sandbox):
    bomb = ("import numpy as np\n\ndef f(n, **_):\n    hoard = []\n    while True:\n"
            "        hoard.append(np.ones(64 << 20, np.uint8))\n")
    result = _run(sandbox, batch_fails=1, compiled_fails=0, code=bomb, n_cases=2)
    assert result.cases[0].status is CaseStatus.MEMORY, result.cases[0].message
    assert result.termination is Termination.MEMORY and result.cases[0].execution == "eager"
    assert result.cases[1].status is CaseStatus.NOT_RUN


def test_deny_busy_loop_is_a_cpu_time_verdict_after_the_ladder(sandbox):
    busy = "def f(n, **_):\n    while True:\n        pass\n"
    result = _run(sandbox, batch_fails=1, compiled_fails=0, code=busy, n_cases=2)
    case = result.cases[0]
    assert case.status is CaseStatus.TIME and case.time_limit == "cpu", case.message
    assert case.execution == "eager"

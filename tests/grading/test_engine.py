"""The grading engine end to end on the real sandbox: verdicts, messages, hidden data."""

from __future__ import annotations

import textwrap

import pytest

from app.grading.verdicts import Verdict
from app.problems.manifest import load_problem
from tests.tiny_problem import TINY_REFERENCE, write_tiny_problem


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    problems_dir, _ = write_tiny_problem(tmp_path_factory.mktemp("tiny"))
    return load_problem(problems_dir / "vector-add")


def grade(grader, problem, code, mode="submit"):
    return grader.grade(problem, textwrap.dedent(code), mode)


def test_reference_is_accepted_on_every_seed_case(grader, seed_problem):
    result = grader.grade(seed_problem, seed_problem.reference, "submit")
    assert result.verdict is Verdict.ACCEPTED
    assert result.passed == result.total == len(seed_problem.cases)
    assert all(case.max_abs_error == 0.0 for case in result.cases)


def test_run_mode_grades_only_visible_examples(grader, seed_problem):
    result = grader.grade(seed_problem, seed_problem.reference, "run")
    assert [c.name for c in result.cases] == [c.name for c in seed_problem.cases if c.visible]
    assert result.verdict is Verdict.ACCEPTED


def _solution_id(solution):
    return f"{solution.path.parent.name}/{solution.path.name}"


def _solutions():
    from tests.conftest import PROBLEMS, REFERENCE, SEED_SLUG

    return load_problem(PROBLEMS / SEED_SLUG, REFERENCE).solutions


@pytest.mark.parametrize("solution", _solutions(), ids=_solution_id)
def test_every_solution_gets_its_expected_verdict(grader, seed_problem, solution):
    result = grader.grade(seed_problem, solution.code, "submit")
    assert result.verdict is solution.expect, [(c.name, c.verdict, c.message) for c in result.cases]


def test_starter_does_not_pass(grader, seed_problem):
    assert grader.grade(seed_problem, seed_problem.starter, "run").verdict is not Verdict.ACCEPTED


def test_wrong_values_report_error_figures(grader, tiny):
    result = grade(grader, tiny, "def add(a, b):\n    return a + b + 0.5\n")
    example = result.cases[0]
    assert result.verdict is Verdict.WRONG_ANSWER
    assert example.max_abs_error == pytest.approx(0.5)
    assert example.mismatches == 3 and example.first_mismatch == 0
    assert "expected 11, got 11.5" in example.message
    assert example.plot == {"expected": [11.0, 22.0, 33.0], "actual": [11.5, 22.5, 33.5],
                            "truncated": False}


def test_hidden_case_message_never_shows_expected_values(grader, tiny):
    result = grade(grader, tiny, "def add(a, b):\n    return a - b\n")
    hidden = result.cases[1]
    assert hidden.verdict is Verdict.WRONG_ANSWER
    assert "expected" not in hidden.message and "outside the tolerance" in hidden.message
    assert hidden.plot is None  # a picture would show a hidden case's values


def test_wrong_length_is_wrong_answer_with_both_shapes(grader, tiny):
    result = grade(grader, tiny, "def add(a, b):\n    return (a + b)[:-1]\n")
    assert result.verdict is Verdict.WRONG_ANSWER
    assert result.cases[0].expected_shape == [3] and result.cases[0].actual_shape == [2]


def test_syntax_error_is_compile_error_with_line_and_column(grader, tiny):
    result = grade(grader, tiny, "def add(a, b):\n    return a +* b\n")
    case = result.cases[0]
    assert result.verdict is Verdict.COMPILE_ERROR
    assert case.line == 2 and case.column is not None
    assert "SyntaxError" in case.message


def test_missing_entry_is_named(grader, tiny):
    result = grade(grader, tiny, "def plus(a, b):\n    return a + b\n")
    assert result.verdict is Verdict.COMPILE_ERROR
    assert "`add`" in result.cases[0].message


def test_runtime_error_traceback_shows_only_learner_lines(grader, tiny):
    code = "def helper(a):\n    return a.nope\n\ndef add(a, b):\n    return helper(a)\n"
    result = grade(grader, tiny, code)
    message = result.cases[0].message
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert 'File "<submission>", line 5' in message and 'line 2' in message
    assert "AttributeError" in message and "nope" in message
    assert "site-packages" not in message and "sandbox" not in message and "harness" not in message


def test_hidden_case_error_hides_the_exception_message(grader, tiny):
    code = ("def add(a, b):\n    if len(a) > 3:\n        raise ValueError(f'secret {a[0]}')\n"
            "    return a + b\n")
    result = grade(grader, tiny, code)
    hidden = result.cases[1]
    assert hidden.verdict is Verdict.RUNTIME_ERROR
    assert hidden.message.startswith("Your code raised ValueError on this hidden case")
    assert "secret" not in hidden.message and "line" not in hidden.message
    assert result.cases[0].verdict is Verdict.ACCEPTED


def test_stdout_is_returned_for_visible_cases_only(grader, tiny):
    code = "def add(a, b):\n    print('looking at', len(a))\n    return a + b\n"
    result = grade(grader, tiny, code)
    assert result.verdict is Verdict.ACCEPTED
    assert result.cases[0].stdout.strip() == "looking at 3"
    assert result.cases[1].stdout == ""


def test_infinite_loop_is_time_limit_exceeded(grader, tiny):
    result = grade(grader, tiny, "def add(a, b):\n    while True:\n        pass\n", mode="run")
    assert result.verdict is Verdict.TIME_LIMIT_EXCEEDED


def test_huge_allocation_is_memory_limit_exceeded(grader, tiny):
    code = "import numpy as np\n\ndef add(a, b):\n    x = np.ones(2_000_000_000)\n    return x[:3]\n"
    assert grade(grader, tiny, code, mode="run").verdict is Verdict.MEMORY_LIMIT_EXCEEDED


def test_gradual_fill_beyond_the_cgroup_is_memory_limit_exceeded(grader, tiny):
    code = ("import numpy as np\n\ndef add(a, b):\n    keep = []\n    while True:\n"
            "        keep.append(np.ones(16_000_000))\n")
    assert grade(grader, tiny, code, mode="run").verdict is Verdict.MEMORY_LIMIT_EXCEEDED


def test_flooding_stdout_is_output_limit_exceeded(grader, tiny):
    code = "import os\n\ndef add(a, b):\n    while True:\n        os.write(1, b'x' * 65536)\n"
    assert grade(grader, tiny, code, mode="run").verdict is Verdict.OUTPUT_LIMIT_EXCEEDED


def test_exit_inside_the_entry_is_runtime_error(grader, tiny):
    result = grade(grader, tiny, "import os\n\ndef add(a, b):\n    os._exit(3)\n", mode="run")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "code 3" in result.cases[0].message


def test_non_numeric_return_is_runtime_error(grader, tiny):
    result = grade(grader, tiny, "def add(a, b):\n    return 'hello'\n", mode="run")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "expected an array of real numbers" in result.cases[0].message


def test_grader_recovers_after_hostile_runs(grader, tiny):
    assert grade(grader, tiny, TINY_REFERENCE).verdict is Verdict.ACCEPTED

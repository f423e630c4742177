"""hidden_case_view: a fixed vocabulary on the trusted side, whatever the sandbox reports."""

from __future__ import annotations

import pytest

from app.grading.disclosure import exception_label, hidden_case_view, mismatch_share
from app.problems.manifest import load_problem
from tests.tiny_problem import write_tiny_problem


def test_only_builtin_exception_names_pass():
    assert exception_label("ValueError") == "ValueError"
    assert exception_label("LEAK x(64,)") == "an exception"
    assert exception_label(None) == "an exception"


def test_mismatch_share_is_three_words():
    assert mismatch_share(64, 64) == "every"
    assert mismatch_share(33, 64) == "most"
    assert mismatch_share(1, 64) == "some" == mismatch_share(32, 64)
    assert mismatch_share(None, 64) is None


def test_view_rebuilds_the_message_and_drops_every_figure():
    stored = {"name": "h", "visible": False, "verdict": "runtime_error",
              "message": "Traceback ... LEAK 4.0818", "error_type": "LEAK 4.0818",
              "stdout": "4.0818", "max_abs_error": 995.918, "time_ms": 4081.8, "line": 4,
              "hint": None, "hint_category": None, "termination": None}
    view = hidden_case_view(stored)
    assert "4.0818" not in str(view) and "995" not in str(view)
    assert view["message"].startswith("Your code raised an exception on this hidden case")
    assert set(view) == {"name", "visible", "verdict", "termination", "hint", "hint_category",
                         "message"}


def test_wrong_length_and_crashes_have_fixed_sentences():
    wrong = hidden_case_view({"verdict": "wrong_answer", "expected_shape": [64],
                              "mismatches": None, "actual_shape": [37]})
    assert "37" not in wrong["message"] and "number of values" in wrong["message"]
    crash = hidden_case_view({"verdict": "runtime_error", "termination": "exit",
                              "message": "exited with code 42"})
    assert "42" not in crash["message"]


FRAME_WALK = '''import sys
def add(a, b):
    if len(a) == 3:
        frame, found = sys._getframe(), []
        while frame is not None:
            for value in list(frame.f_locals.values()):
                if isinstance(value, dict):
                    found += [float(x.ravel()[0]) for x in value.values()
                              if getattr(x, "size", 0) == 64]
            frame = frame.f_back
        print("FOUND", found[:1])
    return a + b
'''


@pytest.mark.xfail(strict=True, reason="known gap (README, security model): in a submit run "
                   "the visible cases share the process that holds the hidden inputs")
def test_a_visible_case_cannot_print_the_hidden_inputs(grader, tmp_path):
    problems, reference = write_tiny_problem(tmp_path)
    tiny = load_problem(problems / "vector-add", reference)
    result = grader.grade(tiny, FRAME_WALK, "submit")
    assert result.cases[0].stdout.strip() == "FOUND []", result.cases[0].stdout

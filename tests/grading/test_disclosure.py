"""hidden_case_view: a fixed vocabulary on the trusted side, whatever the sandbox reports."""

from __future__ import annotations

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


# Looks for the hidden case's inputs (64 values each) everywhere in its own process:
# up the stack and among every object the garbage collector tracks.
MEMORY_WALK = '''import gc, sys
import numpy as np
def arrays_in(values):
    found = []
    for v in values:
        inner = v.values() if isinstance(v, dict) else v if isinstance(v, (list, tuple)) else (v,)
        found += [x for x in inner if isinstance(x, np.ndarray) and x.size == 64]
    return found
def add(a, b):
    if len(a) == 3:
        found, frame = [], sys._getframe()
        while frame is not None:
            found += arrays_in(list(frame.f_locals.values()))
            frame = frame.f_back
        found += arrays_in(gc.get_objects())
        print("FOUND", [float(v.ravel()[0]) for v in found][:1])
    return a + b
'''


def test_a_visible_case_cannot_print_the_hidden_inputs(grader, tmp_path):
    # Visible and hidden cases run in different processes (engine.process_groups), so
    # the one whose printing the learner reads never held a hidden input.
    problems, reference = write_tiny_problem(tmp_path)
    tiny = load_problem(problems / "vector-add", reference)
    result = grader.grade(tiny, MEMORY_WALK, "submit")
    assert result.verdict.value == "accepted"
    assert result.cases[0].stdout.strip() == "FOUND []", result.cases[0].stdout


def test_the_same_walk_finds_inputs_the_harness_holds(grader, tmp_path):
    # The probe above can fail: run on the hidden case, and skipping its own frame
    # (its arguments), it still finds the 64-value inputs the harness holds.
    problems, reference = write_tiny_problem(tmp_path)
    tiny = load_problem(problems / "vector-add", reference)
    control = (MEMORY_WALK.replace("len(a) == 3", "len(a) == 64")
               .replace("sys._getframe()", "sys._getframe().f_back")
               .replace('print("FOUND", [float(v.ravel()[0]) for v in found][:1])',
                        'assert found, "nothing found"'))
    result = grader.grade(tiny, control, "submit")
    assert [case.verdict.value for case in result.cases] == ["accepted", "accepted"], result.cases

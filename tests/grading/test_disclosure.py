"""hidden_case_view: a fixed vocabulary on the trusted side, whatever the sandbox reports."""

from __future__ import annotations

from app.grading.disclosure import exception_label, hidden_case_view, mismatch_share


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

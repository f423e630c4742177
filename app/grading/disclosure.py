"""What a learner may see of a hidden case: its verdict and nothing the learner can steer.

Everything that comes out of the sandbox is learner-controlled (the child can write any
frame it likes), and every exact error figure is a function of the hidden expected
values that repeated submissions can invert (``out[0] = 1000`` read back an expected
value from ``max_abs_error``).  So a hidden case's public record is rebuilt here, on
the trusted side, from a fixed vocabulary:

- ``verdict``, ``termination`` (time / memory / output / signal / exit) and the hint
  (category and text, which never hold a value from the case: see ``hints.py``);
- a message chosen from fixed sentences: for a wrong answer, whether the length is
  wrong or roughly how many values are outside the tolerance ("some", "most", "every");
  for an exception, the nearest built-in exception's name, or "an exception";
- no error figures, mismatch counts or indices, shapes, times, printed output,
  traceback lines or source positions.

The mismatch share and the hint only ever test "is this value within tolerance",
never a threshold on a value, so they cannot be binary-searched into expected values.
"""

from __future__ import annotations

import builtins
from typing import Any

from app.grading.verdicts import CaseResult, GradeResult

BUILTIN_EXCEPTIONS = frozenset(
    name for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException))

# The only fields of a hidden case that leave the server as they are.
_KEPT = ("name", "visible", "verdict", "termination", "hint", "hint_category")

_FIXED = {
    "compile_error": "Your code did not compile or load (see a visible case for the details).",
    "time_limit_exceeded": "Your code ran out of time on this hidden case.",
    "memory_limit_exceeded": "Your code ran out of memory on this hidden case.",
    "output_limit_exceeded": "Your code produced too much output on this hidden case.",
    "internal_error": "The grader failed on this case; this is not your code's fault.",
}


def exception_label(reported: str | None) -> str:
    """``reported`` if it names a built-in exception, else a fixed label."""
    return reported if reported in BUILTIN_EXCEPTIONS else "an exception"


def mismatch_share(mismatches: int | None, size: int | None) -> str | None:
    """"some", "most" or "every" value wrong (None: unknown)."""
    if not mismatches or not size:
        return None
    if mismatches >= size:
        return "every"
    return "most" if 2 * mismatches > size else "some"


def _message(data: dict[str, Any]) -> str:
    verdict = data.get("verdict")
    if verdict == "wrong_answer":
        expected = data.get("expected_shape")
        size = 1
        for dim in expected or ():
            size *= int(dim)
        share = mismatch_share(data.get("mismatches"), size if expected is not None else None)
        if share is None:
            return ("Wrong answer on this hidden case: your output does not have the "
                    "expected number of values.")
        return (f"Wrong answer on this hidden case: {share} value{'' if share == 'every' else 's'}"
                " outside the tolerance (hidden cases show no figures).")
    if verdict == "runtime_error":
        if data.get("termination") in ("signal", "exit"):
            return "Your code's process ended during this hidden case."
        return (f"Your code raised {exception_label(data.get('error_type'))} on this hidden case "
                "(its message and traceback are not shown for hidden cases).")
    return _FIXED.get(str(verdict), "")


def hidden_case_view(data: dict[str, Any]) -> dict[str, Any]:
    """A hidden case's result as a learner may see it (``data``: a stored CaseResult dict)."""
    view = {key: data.get(key) for key in _KEPT}
    view["visible"] = False
    view["message"] = _message(data)
    return view


def public_result(result: GradeResult) -> GradeResult:
    """``result`` with every hidden case reduced to ``hidden_case_view`` (for the CLI)."""
    cases = []
    for case in result.cases:
        if case.visible:
            cases.append(case)
            continue
        view = hidden_case_view({**case.to_dict(), "verdict": case.verdict.value})
        cases.append(CaseResult(name=case.name, visible=False, verdict=case.verdict,
                                message=view["message"], termination=case.termination,
                                hint=case.hint, hint_category=case.hint_category, time_ms=0.0))
    return GradeResult(verdict=result.verdict, cases=cases, stdout=result.stdout,
                       wall_ms=result.wall_ms)

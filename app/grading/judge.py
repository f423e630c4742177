"""Judging one case: a sandboxed run's outcome against the expected output."""

from __future__ import annotations

import numpy as np

from app.grading.arrays import plot_data
from app.grading.compare import compare
from app.grading.disclosure import exception_label, hidden_case_view
from app.grading.verdicts import CaseResult, Verdict
from app.problems.manifest import Case, Problem
from sandbox import CaseOutcome, CaseStatus

_TERMINATION = {CaseStatus.TIME: "time", CaseStatus.MEMORY: "memory",
                CaseStatus.OUTPUT: "output"}

_STATUS_VERDICT = {
    CaseStatus.ERROR: Verdict.RUNTIME_ERROR,
    CaseStatus.CRASHED: Verdict.RUNTIME_ERROR,
    CaseStatus.COMPILE_ERROR: Verdict.COMPILE_ERROR,
    CaseStatus.TIME: Verdict.TIME_LIMIT_EXCEEDED,
    CaseStatus.MEMORY: Verdict.MEMORY_LIMIT_EXCEEDED,
    CaseStatus.OUTPUT: Verdict.OUTPUT_LIMIT_EXCEEDED,
    CaseStatus.INTERNAL: Verdict.INTERNAL_ERROR,
}


def judge_case(problem: Problem, case: Case, outcome: CaseOutcome,
               expected: np.ndarray) -> CaseResult:
    """One case's result: its run's outcome against the expected output, with what a
    hidden case may show cut down to ``hidden_case_view``."""
    result = CaseResult(
        name=case.name, visible=case.visible, verdict=Verdict.ACCEPTED,
        expected_shape=list(expected.shape), time_ms=round(outcome.time_ms, 1),
        cpu_ms=round(outcome.cpu_ms, 1), time_limit=outcome.time_limit,
        execution=outcome.execution,
        stdout=outcome.stdout if case.visible else "",
        line=outcome.line if case.visible else None,
        column=outcome.column if case.visible else None,
    )
    if outcome.status is not CaseStatus.OK or outcome.output is None:
        result.verdict = _STATUS_VERDICT.get(outcome.status, Verdict.RUNTIME_ERROR)
        result.termination = _TERMINATION.get(outcome.status)
        if outcome.status is CaseStatus.CRASHED:
            result.termination = "signal" if "signal" in outcome.message else "exit"
        if outcome.status in (CaseStatus.ERROR, CaseStatus.MEMORY):
            result.error_type = exception_label(outcome.summary)
        result.message = outcome.message if case.visible else hidden_case_view(
            result.to_dict())["message"]
        return result
    tolerance = problem.manifest.tolerance
    comparison = compare(expected, outcome.output, tolerance.rtol, tolerance.atol,
                         tolerance.nan)
    result.actual_shape = list(outcome.output.shape)
    result.verdict = Verdict.ACCEPTED if comparison.ok else Verdict.WRONG_ANSWER
    result.message = comparison.message
    if case.visible and not comparison.ok:
        result.plot = plot_data(expected, outcome.output)
    result.max_abs_error = comparison.max_abs_error
    result.max_rel_error = comparison.max_rel_error
    result.tolerance_ratio = comparison.tolerance_ratio
    result.mismatches = comparison.mismatches
    result.first_mismatch = comparison.first_mismatch
    if not case.visible:
        # Figures stay in the record for `check`; learners get hidden_case_view.
        result.message = hidden_case_view(result.to_dict())["message"]
    return result

"""Verdicts and the per-case / per-submission result records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    ACCEPTED = "accepted"
    WRONG_ANSWER = "wrong_answer"
    RUNTIME_ERROR = "runtime_error"
    COMPILE_ERROR = "compile_error"
    TIME_LIMIT_EXCEEDED = "time_limit_exceeded"
    MEMORY_LIMIT_EXCEEDED = "memory_limit_exceeded"
    OUTPUT_LIMIT_EXCEEDED = "output_limit_exceeded"
    INTERNAL_ERROR = "internal_error"  # the grader's fault, never the learner's

    @property
    def label(self) -> str:
        """Human spelling, e.g. "Wrong answer"."""
        return self.value.replace("_", " ").capitalize()


@dataclass
class CaseResult:
    """One case's verdict and the figures a learner needs to understand it.

    Errors are measured on the flattened outputs: max_abs_error = max |got - want|,
    max_rel_error = max |got - want| / max(|want|, tiny); ``mismatches`` counts
    elements outside tolerance, ``first_mismatch`` is the first such flat index.
    """

    name: str
    visible: bool
    verdict: Verdict
    message: str = ""
    max_abs_error: float | None = None
    max_rel_error: float | None = None
    tolerance_ratio: float | None = None  # share of the tolerance used; > 1 fails
    mismatches: int | None = None
    first_mismatch: int | None = None
    expected_shape: list[int] | None = None
    actual_shape: list[int] | None = None
    time_ms: float = 0.0  # wall clock
    cpu_ms: float = 0.0  # CPU time of the run's processes (what the time limit counts)
    stdout: str = ""
    line: int | None = None
    column: int | None = None
    termination: str | None = None  # time | memory | output | signal | exit: the sandbox ended it
    time_limit: str | None = None  # with termination "time": which limit fired, "cpu" or "wall"
    execution: str | None = None  # batch | per_case | eager: how the case ran (sandbox ladder)
    hint: str | None = None  # what misunderstanding the output suggests (never leaks hidden inputs)
    hint_category: str | None = None  # the hint's label, one of app.problems.mistakes.CATEGORIES
    mistake: str | None = None  # key of the known mistake the output matched (never shown to learners)
    plot: dict[str, Any] | None = None  # visible wrong answers: flattened expected/actual (plot_data)
    error_type: str | None = None  # runtime errors: the nearest built-in exception's name

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class GradeResult:
    """A whole submission's outcome: overall verdict plus each case's result."""

    verdict: Verdict
    cases: list[CaseResult] = field(default_factory=list)
    stdout: str = ""
    wall_ms: float = 0.0
    # A wrong answer graded before every known mistake's outputs were computed: the
    # verdict is final, its hints may still change (Grader.grade's defer_mistakes).
    hints_pending: bool = False

    @classmethod
    def internal(cls, cases: Iterable[tuple[str, bool]], message: str) -> GradeResult:
        """Every case ``(name, visible)`` an ``internal_error`` with ``message``: the grader
        failed, never the learner."""
        return cls(Verdict.INTERNAL_ERROR, [CaseResult(name, visible, Verdict.INTERNAL_ERROR, message)
                                            for name, visible in cases])

    @property
    def passed(self) -> int:
        return sum(case.verdict is Verdict.ACCEPTED for case in self.cases)

    @property
    def total(self) -> int:
        return len(self.cases)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "passed": self.passed,
            "total": self.total,
            "cases": [case.to_dict() for case in self.cases],
            "stdout": self.stdout,
            "wall_ms": self.wall_ms,
        }


def overall_verdict(cases: list[CaseResult]) -> Verdict:
    """The first non-accepted case's verdict, else accepted."""
    for case in cases:
        if case.verdict is not Verdict.ACCEPTED:
            return case.verdict
    return Verdict.ACCEPTED

"""Submission views.  Hidden cases carry only name, verdict and figures."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.errors import StorableText
from app.models import Mode


class SubmissionCreate(BaseModel):
    # Unknown fields (e.g. a client-sent "verdict") are ignored, never stored.
    model_config = ConfigDict(extra="ignore")
    problem: StorableText = Field(min_length=1, max_length=64)
    code: StorableText
    mode: Mode = Mode.SUBMIT
    framework: Literal["jax", "numpy", "pytorch"] = Field(
        "jax", description="what the code is written in; the problem lists the frameworks it "
                           "accepts and this server can run (GET /api/problems/{slug})")
    assignment: int | None = Field(
        None, ge=1, le=2**63 - 1,
        description="the assignment this attempt is for (default: the open assignment holding "
                    "the problem in one of your courses, if any)")


class SubmissionAccepted(BaseModel):
    id: int
    status: str


class CaseOut(BaseModel):
    name: str
    visible: bool
    verdict: str
    # The figures below are null on hidden cases (what a hidden case shows: README).
    max_abs_error: float | None = Field(None, description="largest |got - want| over the finite values")
    max_rel_error: float | None = Field(
        None, description="largest |got - want| / |want| over the finite values")
    mismatches: int | None = Field(None, description="how many values are outside the tolerance")
    first_mismatch: int | None = Field(None, description="flat index of the first value outside it")
    expected_shape: list[int] | None = None
    actual_shape: list[int] | None = None
    time_ms: float | None = Field(None, description="wall-clock milliseconds")
    cpu_ms: float | None = Field(
        None, description="CPU milliseconds of the run's processes: what the time limit counts")
    time_limit: Literal["cpu", "wall"] | None = Field(
        None, description="on time_limit_exceeded: the CPU-time limit or the wall-clock backstop")
    execution: Literal["batch", "per_case", "eager"] | None = Field(
        None, description="how the case ran: all cases as one compiled program, one per case, "
                          "or without compiling")
    message: str = ""
    stdout: str = ""
    line: int | None = None
    column: int | None = None
    hint: str | None = None
    hint_category: str | None = Field(
        None, description="machine-readable label of the hint (padding, stride, kernel-flip, "
                          "layout, scale, bias, numerical, init, ...)")
    plot: dict[str, Any] | None = Field(
        None, description="visible wrong answers only: {expected, actual, truncated}, flattened; "
                          "non-finite values are null")


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


AwareDatetime = Annotated[datetime, AfterValidator(_utc)]


class SubmissionOut(BaseModel):
    id: int
    problem: str
    version: int
    mode: str
    status: Literal["queued", "running", "done"]
    verdict: str | None
    passed: int | None
    total: int | None
    cases: list[CaseOut]
    stdout: str
    created_at: AwareDatetime
    finished_at: AwareDatetime | None
    code: str | None = None
    framework: str = Field("jax", description="what the code is written in")
    assignment: int | None = None
    late: bool = Field(False, description="made after the assignment's due time")
    username: str | None = Field(None, description="the author (course staff views)")
    hints_pending: bool = Field(
        False, description="the verdict is final; hints for its wrong cases are still being "
                           "prepared and arrive in the stored result and as an SSE `hints` event")


class SubmissionListItem(BaseModel):
    id: int
    problem: str
    version: int
    mode: str
    status: str
    verdict: str | None
    passed: int | None
    total: int | None
    created_at: AwareDatetime
    framework: str = "jax"
    assignment: int | None = None
    late: bool = False


class SubmissionPage(BaseModel):
    items: list[SubmissionListItem]
    page: int
    per_page: int
    total: int


class ProblemProgress(BaseModel):
    problem: str
    status: Literal["solved", "attempted"] = Field(
        description="solved: a full submission was accepted; problems never tried are absent (new)")

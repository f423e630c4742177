"""Course, assignment, gradebook and statistics views (pydantic in/out)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime as InputDatetime
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.errors import StorableText
from app.submissions.schemas import AwareDatetime

Slug = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")


class CourseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str = Slug
    title: StorableText = Field(min_length=1, max_length=200)


class JoinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: StorableText = Field(min_length=1, max_length=64)


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: StorableText = Field(min_length=1, max_length=64)
    role: Literal["learner", "ta", "instructor"]


class MemberOut(BaseModel):
    username: str
    role: str


class AssignmentCreate(BaseModel):
    """Times are ISO 8601 with a UTC offset (a time without one is refused: ambiguous)."""

    model_config = ConfigDict(extra="forbid")
    title: StorableText = Field(min_length=1, max_length=200)
    problems: list[StorableText] = Field(min_length=1, max_length=100)
    opens_at: InputDatetime
    due_at: InputDatetime
    late: Literal["accept", "refuse"] = "accept"

    @field_validator("opens_at", "due_at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        try:
            return value.astimezone(UTC)
        except OverflowError:  # e.g. 9999-12-31T23:00-05:00: past the last representable UTC time
            raise ValueError("time out of range") from None

    @model_validator(mode="after")
    def _ordered(self) -> AssignmentCreate:
        if self.due_at <= self.opens_at:
            raise ValueError("due_at must be after opens_at")
        if len(set(self.problems)) != len(self.problems):
            raise ValueError("a problem appears twice")
        return self


class AssignmentProblemOut(BaseModel):
    slug: str
    title: str
    status: Literal["solved", "attempted", "new"] | None = Field(
        None, description="the caller's own status (learners)")
    late: bool | None = Field(None, description="the caller's best attempt came late")


class AssignmentOut(BaseModel):
    id: int
    course: str
    title: str
    problems: list[AssignmentProblemOut]
    opens_at: AwareDatetime
    due_at: AwareDatetime
    late: str
    state: Literal["upcoming", "open", "closed"] = Field(
        description="closed: past the due time (late policy 'accept' still takes submissions)")


class CourseOut(BaseModel):
    slug: str
    title: str
    join_code: str | None = Field(None, description="course staff only")
    role: str | None = Field(None, description="the caller's role in the course")


class CourseDetail(CourseOut):
    assignments: list[AssignmentOut]
    members: list[MemberOut] | None = Field(None, description="course staff only")


class Cell(BaseModel):
    best_verdict: str
    passed: int | None
    total: int | None
    attempts: int
    first_accepted_at: AwareDatetime | None
    late: bool
    best_submission: int


class GradebookRow(BaseModel):
    username: str
    cells: dict[str, Cell]
    solved: int
    late: int
    attempts: int


class Gradebook(BaseModel):
    course: str
    problems: list[str]
    rows: list[GradebookRow]


class MistakeCount(BaseModel):
    title: str
    count: int
    example: int
    category: str


class CaseFailures(BaseModel):
    name: str
    failed: int


class ProblemStats(BaseModel):
    problem: str
    learners: int
    attempted: int
    solved: int
    acceptance_rate: float | None = Field(
        description="solved / attempted (learners), null if nobody attempted")
    submissions: int
    submission_acceptance_rate: float | None
    verdicts: dict[str, int]
    median_attempts_to_accept: float | None
    median_seconds_to_accept: float | None = Field(
        description="from a learner's first attempt to their first acceptance")
    hint_categories: dict[str, int]
    known_mistakes: list[MistakeCount]
    failing_hidden_cases: list[CaseFailures]

"""SQLAlchemy models: users, tokens, problems and their immutable versions, submissions,
case results, the job queue, worker heartbeats, and courses with their assignments."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Mapped, MappedColumn, mapped_column, relationship

from app.db import Base


def utcnow() -> datetime:
    return datetime.now(UTC)


def _owned_by(table: str, **column: Any) -> MappedColumn[Any]:
    """A foreign key to ``table.id`` whose rows go when their parent row is deleted."""
    return mapped_column(ForeignKey(f"{table}.id", ondelete="CASCADE"), **column)


def _enum(cls: type[StrEnum]) -> SAEnum:
    return SAEnum(cls, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])


class Role(StrEnum):
    LEARNER = "learner"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"  # an instructor who may also change other users' roles


class Mode(StrEnum):
    RUN = "run"
    SUBMIT = "submit"


class SubmissionStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"


class JobKind(StrEnum):
    GRADE = "grade"  # grade a submission
    VALIDATE = "validate"  # run a new problem version's solution on every case
    WARM = "warm"  # run one known mistake of a version, for hints (warming)
    HINTS = "hints"  # a graded submission's hints, once its version's mistakes are warm


# Claim order: a learner's job never waits behind warming.  A warming piece a waiting
# hint needs is bumped to URGENT_WARM_PRIORITY (app/jobs/repository.py).
JOB_PRIORITY = {JobKind.GRADE: 0, JobKind.HINTS: 2, JobKind.VALIDATE: 3, JobKind.WARM: 4}
URGENT_WARM_PRIORITY = 1


class VersionStatus(StrEnum):
    PENDING = "pending"  # waiting for its solution to run on every case
    READY = "ready"
    REJECTED = "rejected"


Timestamp = DateTime(timezone=True)


def username_key(username: str) -> str:
    """The form usernames are compared in: NFKC, then case-folded (``Alice`` is ``alice``)."""
    return unicodedata.normalize("NFKC", username).casefold()


def _username_key_default(context: Any) -> str:
    return username_key(context.get_current_parameters()["username"])


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    # Unique: no two accounts whose names differ only in case or Unicode form.  Accounts
    # that collided before migration 0006 keep working under "<key>#<id>" (see there).
    username_key: Mapped[str] = mapped_column(String(96), unique=True, index=True,
                                              default=_username_key_default)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(_enum(Role), default=Role.LEARNER)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = _owned_by("users", index=True)
    name: Mapped[str] = mapped_column(String(128), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the token
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(Timestamp)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    user: Mapped[User] = relationship(lazy="raise")


class ProblemRow(Base):
    __tablename__ = "problems"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("problem_versions.id", use_alter=True, name="fk_problem_current_version"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class ProblemVersion(Base):
    """An immutable problem version; submissions keep the version they were made for."""

    __tablename__ = "problem_versions"
    __table_args__ = (UniqueConstraint("problem_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = _owned_by("problems", index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[VersionStatus] = mapped_column(_enum(VersionStatus), default=VersionStatus.READY)
    status_detail: Mapped[str] = mapped_column(Text, default="")
    fingerprint: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON)  # validated problem.toml content
    statement: Mapped[str] = mapped_column(Text)
    starter: Mapped[str] = mapped_column(Text)  # JAX's
    # The other accepted frameworks' starters (None: stored before frameworks existed).
    starters: Mapped[dict[str, str] | None] = mapped_column(JSON)
    reference: Mapped[str] = mapped_column(Text)
    harness_code: Mapped[str] = mapped_column(Text)
    # Visible cases' inputs and expected outputs, filled in once the reference has run.
    examples: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class KnownMistakeRow(Base):
    """A wrong solution hints match against: from the problem folder (``origin`` "pack",
    ``key`` its file name) or added by an instructor ("instructor", key ``api-<id>``).
    Its code runs only in the sandbox; ``explanation`` is shown to learners."""

    __tablename__ = "known_mistakes"
    __table_args__ = (UniqueConstraint("problem_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = _owned_by("problems", index=True)
    key: Mapped[str] = mapped_column(String(128))
    origin: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class Submission(Base):
    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = _owned_by("users", index=True)
    problem_version_id: Mapped[int] = mapped_column(ForeignKey("problem_versions.id"), index=True)
    mode: Mapped[Mode] = mapped_column(_enum(Mode))
    code: Mapped[str] = mapped_column(Text)
    # What the code is written in: jax, numpy or pytorch (sandbox.FRAMEWORKS).
    framework: Mapped[str] = mapped_column(String(16), default="jax", server_default="jax")
    status: Mapped[SubmissionStatus] = mapped_column(_enum(SubmissionStatus),
                                                     default=SubmissionStatus.QUEUED)
    verdict: Mapped[str | None] = mapped_column(String(32))
    passed: Mapped[int | None] = mapped_column(Integer)
    total: Mapped[int | None] = mapped_column(Integer)
    stdout: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    grading_ms: Mapped[float | None] = mapped_column(Float)
    # The assignment this attempt counts for (None: outside any course), and whether it
    # arrived after the assignment's due time under the "accept" late policy.
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignments.id", ondelete="SET NULL"))
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    # Graded before its version's known mistakes were warm: the verdict is final, and
    # a ``hints`` job rewrites the cases' hints once they are (then this is False).
    hints_pending: Mapped[bool] = mapped_column(Boolean, default=False)


class CaseResultRow(Base):
    """One case of a graded submission, in case order (``idx``); a hidden case's row is
    stored whole, and what a learner sees of it is cut down on the way out."""

    __tablename__ = "case_results"
    __table_args__ = (UniqueConstraint("submission_id", "idx"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = _owned_by("submissions", index=True)
    idx: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    visible: Mapped[bool] = mapped_column(Boolean)
    verdict: Mapped[str] = mapped_column(String(32))
    termination: Mapped[str | None] = mapped_column(String(16))  # how the sandbox ended the case
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # errors, shapes, time, message, stdout


class Job(Base):
    """Queue entry: claimed atomically by one worker under a lease it keeps renewing.

    Claimed by ``priority`` (``JOB_PRIORITY``), then age; never before ``not_before``.
    A ``warm`` job is one piece of warming, ``(problem_version_id, piece)`` with
    ``piece`` = "<mistake key>:<code hash>", unique so that every piece is enqueued,
    claimed and computed once across all workers and hosts.
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("uq_jobs_warm_piece", "problem_version_id", "piece", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[JobKind] = mapped_column(_enum(JobKind), default=JobKind.GRADE)
    submission_id: Mapped[int | None] = _owned_by("submissions", unique=True)
    problem_version_id: Mapped[int | None] = _owned_by("problem_versions")
    status: Mapped[JobStatus] = mapped_column(_enum(JobStatus), default=JobStatus.QUEUED, index=True)
    worker_id: Mapped[str | None] = mapped_column(String(128))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_expires_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    piece: Mapped[str | None] = mapped_column(String(96))
    not_before: Mapped[datetime | None] = mapped_column(Timestamp)


class WorkerBeat(Base):
    __tablename__ = "worker_heartbeats"
    worker_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(256))
    pid: Mapped[int] = mapped_column(Integer)
    layers: Mapped[str] = mapped_column(String(256), default="")
    seen_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class CourseRole(StrEnum):
    LEARNER = "learner"
    TA = "ta"
    INSTRUCTOR = "instructor"


class LatePolicy(StrEnum):
    ACCEPT = "accept"  # graded and marked late
    REFUSE = "refuse"  # 409 after the due time


class Course(Base):
    __tablename__ = "courses"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    join_code: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class CourseMember(Base):
    __tablename__ = "course_members"
    course_id: Mapped[int] = _owned_by("courses", primary_key=True)
    user_id: Mapped[int] = _owned_by("users", primary_key=True, index=True)
    role: Mapped[CourseRole] = mapped_column(_enum(CourseRole), default=CourseRole.LEARNER)
    joined_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class Assignment(Base):
    """Problems due together.  Problems are referenced, not versions: an assignment
    follows new versions, and attempts on any version of a problem count."""

    __tablename__ = "assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = _owned_by("courses", index=True)
    title: Mapped[str] = mapped_column(String(200))
    opens_at: Mapped[datetime] = mapped_column(Timestamp)
    due_at: Mapped[datetime] = mapped_column(Timestamp)
    late: Mapped[LatePolicy] = mapped_column(_enum(LatePolicy), default=LatePolicy.ACCEPT)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class AssignmentProblem(Base):
    __tablename__ = "assignment_problems"
    assignment_id: Mapped[int] = _owned_by("assignments", primary_key=True)
    problem_id: Mapped[int] = _owned_by("problems", primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class GradebookCell(Base):
    """Per (course, learner, problem): the counted attempts folded so far, kept in the
    transaction that grades each one (``app.courses.repository.count_attempt``).

    ``best_key`` packs the best attempt (``app.courses.repository.best_key``: accepted,
    passed, on time, then the id inverted) so a merge is one comparison; the best
    submission's id is in its low bits, and its verdict, passed, total and lateness
    (final once graded) are copied so the gradebook reads no submission.  Whether the
    user is still a learner and the problem still in an assignment are checked when the
    gradebook is read."""

    __tablename__ = "gradebook_cells"
    course_id: Mapped[int] = _owned_by("courses", primary_key=True)
    user_id: Mapped[int] = _owned_by("users", primary_key=True)
    problem_id: Mapped[int] = _owned_by("problems", primary_key=True)
    best_key: Mapped[int] = mapped_column(BigInteger)
    verdict: Mapped[str] = mapped_column(String(32))
    passed: Mapped[int | None] = mapped_column(Integer)
    total: Mapped[int | None] = mapped_column(Integer)
    late: Mapped[bool] = mapped_column(Boolean)
    attempts: Mapped[int] = mapped_column(Integer)
    first_accepted_at: Mapped[datetime | None] = mapped_column(Timestamp)

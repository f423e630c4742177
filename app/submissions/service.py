"""Decisions about submissions: accepting (limits, backpressure), visibility, views."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from app.config import Settings
from app.courses import service as courses
from app.errors import NotFound, PayloadTooLarge, RateLimited
from app.grading.disclosure import hidden_case_view
from app.jobs import repository as jobs
from app.models import Mode, Role, Submission, User
from app.problems.service import check_framework, visible_problem
from app.submissions import repository
from app.submissions.schemas import CaseOut, SubmissionCreate, SubmissionOut


def submit(session: Session, settings: Settings, user: User, body: SubmissionCreate) -> Submission:
    """Store the submission and its job in one transaction (or reject with a 4xx)."""
    size = len(body.code.encode("utf-8", errors="surrogatepass"))
    if size > settings.max_code_bytes:
        raise PayloadTooLarge(f"code is {size} bytes; the limit is {settings.max_code_bytes}")
    problem, version = visible_problem(session, body.problem)
    check_framework(body.problem, version, body.framework, settings.enabled_frameworks)
    assignment_id, late = courses.record_assignment(session, user, problem.id, body.assignment)
    since = datetime.now(UTC) - timedelta(minutes=1)
    if repository.recent_count(session, user.id, since) >= settings.submissions_per_minute:
        raise RateLimited(f"at most {settings.submissions_per_minute} submissions per minute", 30)
    if jobs.depth(session) >= settings.max_queue_depth:
        raise RateLimited("the grading queue is full; try again shortly", 5)
    submission = Submission(user_id=user.id, problem_version_id=version.id, mode=Mode(body.mode),
                            code=body.code, framework=body.framework, assignment_id=assignment_id, late=late)
    session.add(submission)
    session.flush()
    jobs.enqueue_grade(session, submission.id, submission.mode)
    session.commit()
    return submission


def get_visible(session: Session, user: User, submission_id: int):
    """The submission if ``user`` may see it (theirs; any, for site instructors; a
    member's on the course's problems, for course staff); otherwise 404 (no existence
    leak)."""
    found = repository.get_with_problem(session, submission_id)
    if found is None:
        raise NotFound(f"no submission {submission_id}")
    owner = found[0].user_id
    if (owner != user.id and user.role not in (Role.INSTRUCTOR, Role.ADMIN)
            and not courses.staff_sees_slug(session, user, owner, found[1])):
        raise NotFound(f"no submission {submission_id}")
    return found


def case_out(row) -> CaseOut:  # noqa: ANN001
    """The public view of a case row; a hidden case goes through ``hidden_case_view``
    (old rows too, which were stored with exact figures)."""
    data = dict(row.data)
    data.update(name=row.name, visible=row.visible, verdict=row.verdict)
    if not row.visible:
        data = hidden_case_view(data)
    return CaseOut.model_validate({k: v for k, v in data.items() if k in CaseOut.model_fields})


def view(session: Session, submission: Submission, slug: str, version: int,
         with_code: bool = True) -> SubmissionOut:
    return SubmissionOut(
        id=submission.id, problem=slug, version=version, mode=submission.mode.value,
        status=submission.status.value, verdict=submission.verdict, passed=submission.passed,
        total=submission.total,
        cases=[case_out(r) for r in repository.case_rows(session, submission.id)],
        stdout=submission.stdout or "", created_at=submission.created_at,
        finished_at=submission.finished_at, code=submission.code if with_code else None,
        framework=submission.framework,
        assignment=submission.assignment_id, late=submission.late,
        hints_pending=submission.hints_pending,
    )


def progress(session: Session, user: User) -> dict[str, str]:
    """The learner's status per problem they tried: "solved" or "attempted" (absent: new)."""
    return {slug: "solved" if solved else "attempted"
            for slug, solved in repository.problem_progress(session, user.id)}

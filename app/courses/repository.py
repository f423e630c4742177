"""All SQL about courses, members, assignments, and the gradebook and statistics reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Row, and_, case, func, literal, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.grading.verdicts import Verdict
from app.models import (
    Assignment,
    AssignmentProblem,
    CaseResultRow,
    Course,
    CourseMember,
    CourseRole,
    GradebookCell,
    KnownMistakeRow,
    LatePolicy,
    Mode,
    ProblemRow,
    ProblemVersion,
    Submission,
    User,
)

STAFF = (CourseRole.TA, CourseRole.INSTRUCTOR)


def course_by_slug(session: Session, slug: str) -> Course | None:
    return session.scalars(select(Course).where(Course.slug == slug)).first()


def role_in(session: Session, course_id: int, user_id: int) -> CourseRole | None:
    return session.scalar(select(CourseMember.role).where(CourseMember.course_id == course_id,
                                                          CourseMember.user_id == user_id))


def courses_of(session: Session, user_id: int) -> list[tuple[Course, CourseRole]]:
    rows = session.execute(select(Course, CourseMember.role)
                           .join(CourseMember, CourseMember.course_id == Course.id)
                           .where(CourseMember.user_id == user_id).order_by(Course.slug)).all()
    return [(course, role) for course, role in rows]


def set_member(session: Session, course_id: int, user_id: int, role: CourseRole) -> None:
    member = session.get(CourseMember, (course_id, user_id))
    if member is None:
        session.add(CourseMember(course_id=course_id, user_id=user_id, role=role))
    else:
        member.role = role


def members(session: Session, course_id: int) -> list[tuple[str, CourseRole]]:
    rows = session.execute(select(User.username, CourseMember.role)
                           .join(CourseMember, CourseMember.user_id == User.id)
                           .where(CourseMember.course_id == course_id).order_by(User.username))
    return [(name, role) for name, role in rows]


def learners(session: Session, course_id: int) -> list[tuple[int, str]]:
    """(user id, username) of the course's learners, by username."""
    rows = session.execute(select(User.id, User.username)
                           .join(CourseMember, CourseMember.user_id == User.id)
                           .where(CourseMember.course_id == course_id,
                                  CourseMember.role == CourseRole.LEARNER)
                           .order_by(User.username))
    return [(uid, name) for uid, name in rows]


def user_by_name(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()


def problems_by_slug(session: Session, slugs: Sequence[str]) -> dict[str, ProblemRow]:
    rows = session.scalars(select(ProblemRow).where(ProblemRow.slug.in_(slugs)))
    return {p.slug: p for p in rows}


def problem_by_slug(session: Session, slug: str) -> ProblemRow | None:
    return session.scalars(select(ProblemRow).where(ProblemRow.slug == slug)).first()


def assignments(session: Session, course_id: int) -> list[Assignment]:
    return list(session.scalars(select(Assignment).where(Assignment.course_id == course_id)
                                .order_by(Assignment.due_at, Assignment.id)))


def get_assignment(session: Session, assignment_id: int) -> Assignment | None:
    return session.get(Assignment, assignment_id)


def assignment_problems(session: Session, assignment_ids: Sequence[int]
                        ) -> dict[int, list[tuple[int, str, str]]]:
    """Per assignment, its problems in order: (problem id, slug, current title)."""
    rows = session.execute(
        select(AssignmentProblem.assignment_id, ProblemRow.id, ProblemRow.slug, ProblemVersion.title)
        .join(ProblemRow, ProblemRow.id == AssignmentProblem.problem_id)
        .outerjoin(ProblemVersion, ProblemVersion.id == ProblemRow.current_version_id)
        .where(AssignmentProblem.assignment_id.in_(assignment_ids))
        .order_by(AssignmentProblem.assignment_id, AssignmentProblem.position))
    found: dict[int, list[tuple[int, str, str]]] = {aid: [] for aid in assignment_ids}
    for aid, pid, slug, title in rows:
        found[aid].append((pid, slug, title or slug))
    return found


def has_problem(session: Session, assignment_id: int, problem_id: int) -> bool:
    return session.get(AssignmentProblem, (assignment_id, problem_id)) is not None


def open_assignment(session: Session, user_id: int, problem_id: int, moment: datetime
                    ) -> Assignment | None:
    """The open assignment (soonest due) holding ``problem_id`` in a course where
    ``user_id`` is a learner."""
    return session.scalars(
        select(Assignment)
        .join(AssignmentProblem, AssignmentProblem.assignment_id == Assignment.id)
        .join(CourseMember, CourseMember.course_id == Assignment.course_id)
        .where(AssignmentProblem.problem_id == problem_id, CourseMember.user_id == user_id,
               CourseMember.role == CourseRole.LEARNER, Assignment.opens_at <= moment,
               Assignment.due_at >= moment)
        .order_by(Assignment.due_at, Assignment.id).limit(1)).first()


def late_assignment(session: Session, user_id: int, problem_id: int, moment: datetime
                    ) -> Assignment | None:
    """The most recently due past-due assignment accepting late work that holds
    ``problem_id`` in a course where ``user_id`` is a learner."""
    return session.scalars(
        select(Assignment)
        .join(AssignmentProblem, AssignmentProblem.assignment_id == Assignment.id)
        .join(CourseMember, CourseMember.course_id == Assignment.course_id)
        .where(AssignmentProblem.problem_id == problem_id, CourseMember.user_id == user_id,
               CourseMember.role == CourseRole.LEARNER, Assignment.due_at < moment,
               Assignment.late == LatePolicy.ACCEPT)
        .order_by(Assignment.due_at.desc(), Assignment.id.desc()).limit(1)).first()


def staff_sees(session: Session, viewer_id: int, owner_id: int, problem_id: int) -> bool:
    """Whether ``viewer_id`` is TA/instructor of a course where ``owner_id`` is a member and
    one of whose assignments holds ``problem_id``."""
    viewer = CourseMember.__table__.alias("viewer")
    owner = CourseMember.__table__.alias("owner")
    found = session.execute(
        select(viewer.c.course_id)
        .join(owner, owner.c.course_id == viewer.c.course_id)
        .join(Assignment, Assignment.course_id == viewer.c.course_id)
        .join(AssignmentProblem, AssignmentProblem.assignment_id == Assignment.id)
        .where(viewer.c.user_id == viewer_id, viewer.c.role.in_([r.value for r in STAFF]),
               owner.c.user_id == owner_id, AssignmentProblem.problem_id == problem_id)
        .limit(1)).first()
    return found is not None


def _graded(course_id: int, user_id: int | None = None, problem_id: int | None = None) -> Any:
    """Conditions selecting a course's counted attempts: full submissions recorded for one
    of its assignments, graded (not ``internal_error``), by a current learner."""
    conditions = [
        Submission.assignment_id.in_(select(Assignment.id).where(Assignment.course_id == course_id)),
        Submission.mode == Mode.SUBMIT, Submission.verdict.is_not(None),
        Submission.verdict != Verdict.INTERNAL_ERROR.value,
        Submission.user_id.in_(select(CourseMember.user_id).where(
            CourseMember.course_id == course_id, CourseMember.role == CourseRole.LEARNER)),
    ]
    if user_id is not None:
        conditions.append(Submission.user_id == user_id)
    if problem_id is not None:
        conditions.append(ProblemVersion.problem_id == problem_id)
    return and_(*conditions)


# Best attempt = the greatest key: accepted, then most cases passed, then on time, then
# earliest.  Packed into one integer so merging an attempt into its cell is one ``max``:
# accepted at bit 52, passed in bits 42-51 (up to 1023 cases), on time at bit 41, and
# the id, inverted, in bits 0-40 (ids below 2.2e12).  Migration 0010 back-fills cells
# with the same packing written in SQL.
_ID_BITS = 41
_ID_MASK = (1 << _ID_BITS) - 1


def best_key(verdict: str | None, passed: int | None, late: bool, submission_id: int) -> int:
    """The packed key of one attempt (greater is better)."""
    return (((verdict == Verdict.ACCEPTED.value) << 52) + ((passed or 0) << 42)
            + ((not late) << _ID_BITS) + (_ID_MASK - submission_id))


def counts(submission: Submission) -> bool:
    """Whether a graded submission is a counted attempt of a course (learner membership
    aside, which the gradebook checks when read): a full submission recorded for an
    assignment, graded, not ``internal_error``."""
    return (submission.assignment_id is not None and submission.mode == Mode.SUBMIT
            and submission.verdict is not None
            and submission.verdict != Verdict.INTERNAL_ERROR.value)


def count_attempt(session: Session, submission: Submission) -> None:
    """Fold a just-graded submission into its gradebook cell, in the caller's transaction
    (call it once per submission, when its verdict is first written).

    One ``INSERT ... ON CONFLICT DO UPDATE``: atomic on SQLite and PostgreSQL, so two
    workers grading attempts of the same cell at once both count, and the better stays.
    """
    if not counts(submission):
        return
    found = session.execute(select(
        select(Assignment.course_id).where(Assignment.id == submission.assignment_id)
        .scalar_subquery().label("course_id"),
        select(ProblemVersion.problem_id).where(ProblemVersion.id == submission.problem_version_id)
        .scalar_subquery().label("problem_id"))).one()
    if found.course_id is None or found.problem_id is None:
        return
    accepted = submission.verdict == Verdict.ACCEPTED.value
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    new = insert(GradebookCell).values(
        course_id=found.course_id, user_id=submission.user_id, problem_id=found.problem_id,
        best_key=best_key(submission.verdict, submission.passed, submission.late, submission.id),
        verdict=submission.verdict, passed=submission.passed, total=submission.total,
        late=submission.late, attempts=1,
        first_accepted_at=submission.created_at if accepted else None)
    cell, incoming = GradebookCell.__table__.c, new.excluded
    better = incoming.best_key > cell.best_key
    session.execute(new.on_conflict_do_update(
        index_elements=[cell.course_id, cell.user_id, cell.problem_id],
        set_={
            **{name: case((better, incoming[name]), else_=cell[name])
               for name in ("best_key", "verdict", "passed", "total", "late")},
            "attempts": cell.attempts + incoming.attempts,
            "first_accepted_at": case(
                (cell.first_accepted_at.is_(None), incoming.first_accepted_at),
                (incoming.first_accepted_at < cell.first_accepted_at, incoming.first_accepted_at),
                else_=cell.first_accepted_at),
        }))


# user_id, problem_id, id, verdict, passed, total, late, attempts, first_accepted_at
BestAttempt = Row[int, int, int, str | None, int | None, int | None, bool, int, datetime | None]


def best_attempts(session: Session, course_id: int, user_id: int | None = None
                  ) -> Sequence[BestAttempt]:
    """Per (learner, problem): the best attempt (accepted first, then most cases passed,
    then on time, then earliest), the number of attempts and the first acceptance time,
    read from the gradebook cells (current learners only; no submission is read).

    Rows: user_id, problem_id, id, verdict, passed, total, late, attempts, first_accepted_at.
    """
    cell = GradebookCell
    best_id = literal(_ID_MASK, BigInteger) - cell.best_key.op("%")(literal(1 << _ID_BITS, BigInteger))
    conditions = [cell.course_id == course_id, cell.user_id.in_(select(CourseMember.user_id).where(
        CourseMember.course_id == course_id, CourseMember.role == CourseRole.LEARNER))]
    if user_id is not None:
        conditions.append(cell.user_id == user_id)
    return session.execute(
        select(cell.user_id, cell.problem_id, best_id.label("id"), cell.verdict, cell.passed,
               cell.total, cell.late, cell.attempts, cell.first_accepted_at)
        .where(*conditions)).all()


def learner_progress(session: Session, course_id: int, problem_id: int
                     ) -> Sequence[Row[Any, Any, Any, Any]]:
    """Per learner who attempted one problem: first attempt time, the number of attempts
    up to and including the first acceptance, and its time (both None if never).

    Rows: user_id, first_at, attempts_to_accept, accepted_at.
    """
    accepted = Submission.verdict == Verdict.ACCEPTED.value
    numbered = (
        select(Submission.user_id, Submission.created_at, accepted.label("accepted"),
               func.row_number().over(partition_by=Submission.user_id, order_by=Submission.id)
               .label("n"))
        .join(ProblemVersion, ProblemVersion.id == Submission.problem_version_id)
        .where(_graded(course_id, problem_id=problem_id))
    ).subquery()
    return session.execute(
        select(numbered.c.user_id, func.min(numbered.c.created_at).label("first_at"),
               func.min(case((numbered.c.accepted, numbered.c.n))).label("attempts_to_accept"),
               func.min(case((numbered.c.accepted, numbered.c.created_at))).label("accepted_at"))
        .group_by(numbered.c.user_id)).all()


def verdict_counts(session: Session, course_id: int, problem_id: int) -> list[tuple[str, int]]:
    rows = session.execute(
        select(Submission.verdict, func.count())
        .join(ProblemVersion, ProblemVersion.id == Submission.problem_version_id)
        .where(_graded(course_id, problem_id=problem_id)).group_by(Submission.verdict))
    return [(verdict or "", n) for verdict, n in rows]


def failed_cases(session: Session, course_id: int, problem_id: int) -> Sequence[Row[Any]]:
    """Failed case results of the counted attempts on one problem, grouped.

    Rows: name, visible, hint_category, mistake, cases (how many), example (a submission id).
    """
    category = CaseResultRow.data["hint_category"].as_string()
    mistake = CaseResultRow.data["mistake"].as_string()
    return session.execute(
        select(CaseResultRow.name, CaseResultRow.visible, category.label("hint_category"),
               mistake.label("mistake"), func.count().label("cases"),
               func.min(CaseResultRow.submission_id).label("example"))
        .join(Submission, Submission.id == CaseResultRow.submission_id)
        .join(ProblemVersion, ProblemVersion.id == Submission.problem_version_id)
        .where(_graded(course_id, problem_id=problem_id),
               CaseResultRow.verdict != Verdict.ACCEPTED.value)
        .group_by(CaseResultRow.name, CaseResultRow.visible, category, mistake)).all()


def mistake_titles(session: Session, problem_id: int) -> dict[str, tuple[str, str]]:
    """Known mistake key -> (explanation, category)."""
    rows = session.execute(select(KnownMistakeRow.key, KnownMistakeRow.explanation,
                                  KnownMistakeRow.category)
                           .where(KnownMistakeRow.problem_id == problem_id))
    return {key: (text, category) for key, text, category in rows}


def submission_in_course(session: Session, course_id: int, submission_id: int
                         ) -> tuple[Submission, str, int, str] | None:
    """(submission, problem slug, version, author) when the author is a member of the
    course and the problem is in one of its assignments; else None."""
    in_course = select(AssignmentProblem.problem_id).join(
        Assignment, Assignment.id == AssignmentProblem.assignment_id).where(
        Assignment.course_id == course_id)
    row = session.execute(
        select(Submission, ProblemRow.slug, ProblemVersion.version, User.username)
        .join(ProblemVersion, ProblemVersion.id == Submission.problem_version_id)
        .join(ProblemRow, ProblemRow.id == ProblemVersion.problem_id)
        .join(User, User.id == Submission.user_id)
        .join(CourseMember, and_(CourseMember.user_id == Submission.user_id,
                                 CourseMember.course_id == course_id))
        .where(Submission.id == submission_id, ProblemRow.id.in_(in_course))).first()
    return None if row is None else (row[0], row[1], row[2], row[3])

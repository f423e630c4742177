"""All SQL about courses, members, assignments, and the gradebook and statistics reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Row, and_, case, func, literal, select
from sqlalchemy.orm import Session

from app.grading.verdicts import Verdict
from app.models import (
    Assignment,
    AssignmentProblem,
    CaseResultRow,
    Course,
    CourseMember,
    CourseRole,
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
# earliest.  Packed into one integer so a plain GROUP BY (a hash aggregate, no sort of
# every attempt) finds it: accepted at bit 52, passed in bits 42-51 (up to 1023 cases),
# on time at bit 41, and the id, inverted, in bits 0-40 (ids below 2.2e12).
_ID_BITS = 41
_ID_MASK = (1 << _ID_BITS) - 1


def _best_key() -> Any:
    accepted = case((Submission.verdict == Verdict.ACCEPTED.value, 1 << 52), else_=0)
    passed = func.coalesce(Submission.passed, 0) * literal(1 << 42, BigInteger)
    on_time = case((Submission.late.is_(False), 1 << _ID_BITS), else_=0)
    return accepted + passed + on_time + (literal(_ID_MASK, BigInteger) - Submission.id)


def best_attempts(session: Session, course_id: int, user_id: int | None = None
                  ) -> Sequence[Row[Any]]:
    """Per (learner, problem): the best attempt (accepted first, then most cases passed,
    then on time, then earliest), the number of attempts and the first acceptance time.

    Rows: user_id, problem_id, id, verdict, passed, total, late, attempts, first_accepted_at.
    """
    accepted_at = case((Submission.verdict == Verdict.ACCEPTED.value, Submission.created_at))
    grouped = (
        select(Submission.user_id, ProblemVersion.problem_id,
               func.max(_best_key()).label("best"), func.count().label("attempts"),
               func.min(accepted_at).label("first_accepted_at"))
        .join(ProblemVersion, ProblemVersion.id == Submission.problem_version_id)
        .where(_graded(course_id, user_id))
        .group_by(Submission.user_id, ProblemVersion.problem_id)
    ).subquery()
    best_id = literal(_ID_MASK, BigInteger) - grouped.c.best.op("%")(literal(1 << _ID_BITS, BigInteger))
    return session.execute(
        select(grouped.c.user_id, grouped.c.problem_id, Submission.id, Submission.verdict,
               Submission.passed, Submission.total, Submission.late, grouped.c.attempts,
               grouped.c.first_accepted_at)
        .join(Submission, Submission.id == best_id)).all()


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

"""All SQL about courses, members, assignments, and the gradebook and statistics reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, case, func, select
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


def best_attempts(session: Session, course_id: int, user_id: int | None = None
                  ) -> Sequence[Row[Any]]:
    """Per (learner, problem): the best attempt (accepted first, then most cases passed,
    then on time, then earliest), the number of attempts and the first acceptance time.

    Rows: user_id, problem_id, id, verdict, passed, total, late, attempts, first_accepted_at.
    """
    accepted = case((Submission.verdict == Verdict.ACCEPTED.value, 1), else_=0)
    part = (Submission.user_id, ProblemVersion.problem_id)
    ranked = (
        select(Submission.user_id, ProblemVersion.problem_id, Submission.id, Submission.verdict,
               Submission.passed, Submission.total, Submission.late,
               func.count().over(partition_by=part).label("attempts"),
               func.min(case((accepted == 1, Submission.created_at))).over(partition_by=part)
               .label("first_accepted_at"),
               func.row_number().over(partition_by=part, order_by=(
                   accepted.desc(), func.coalesce(Submission.passed, -1).desc(),
                   Submission.late.asc(), Submission.id.asc())).label("rank"))
        .join(ProblemVersion, ProblemVersion.id == Submission.problem_version_id)
        .where(_graded(course_id, user_id))
    ).subquery()
    return session.execute(select(*[c for c in ranked.c if c.name != "rank"])
                           .where(ranked.c.rank == 1)).all()


def problem_attempts(session: Session, course_id: int, problem_id: int) -> Sequence[Row[Any]]:
    """A course's counted attempts on one problem: (user_id, id, verdict, created_at),
    by learner then submission order."""
    return session.execute(
        select(Submission.user_id, Submission.id, Submission.verdict, Submission.created_at)
        .join(ProblemVersion, ProblemVersion.id == Submission.problem_version_id)
        .where(_graded(course_id, problem_id=problem_id))
        .order_by(Submission.user_id, Submission.id)).all()


def _case_rows(course_id: int, problem_id: int) -> Any:
    return (select(CaseResultRow)
            .join(Submission, Submission.id == CaseResultRow.submission_id)
            .join(ProblemVersion, ProblemVersion.id == Submission.problem_version_id)
            .where(_graded(course_id, problem_id=problem_id)))


def hint_categories(session: Session, course_id: int, problem_id: int) -> list[tuple[str, int]]:
    """(category, submissions with a case hinted so), most frequent first."""
    category = CaseResultRow.data["hint_category"].as_string()
    query = (_case_rows(course_id, problem_id).with_only_columns(
        category, func.count(func.distinct(CaseResultRow.submission_id)).label("n"))
        .where(category.is_not(None)).group_by(category).order_by(func.count(
            func.distinct(CaseResultRow.submission_id)).desc(), category))
    return [(name, n) for name, n in session.execute(query)]


def matched_mistakes(session: Session, course_id: int, problem_id: int
                     ) -> list[tuple[str, int, int]]:
    """(known mistake key, submissions matching it, one such submission id), most first."""
    key = CaseResultRow.data["mistake"].as_string()
    count = func.count(func.distinct(CaseResultRow.submission_id))
    query = (_case_rows(course_id, problem_id).with_only_columns(
        key, count, func.min(CaseResultRow.submission_id))
        .where(key.is_not(None)).group_by(key).order_by(count.desc(), key))
    return [(k, n, example) for k, n, example in session.execute(query)]


def failing_hidden_cases(session: Session, course_id: int, problem_id: int, limit: int
                         ) -> list[tuple[str, int]]:
    """(hidden case name, attempts that failed it), most failed first."""
    count = func.count()
    query = (_case_rows(course_id, problem_id).with_only_columns(CaseResultRow.name, count)
             .where(CaseResultRow.visible.is_(False),
                    CaseResultRow.verdict != Verdict.ACCEPTED.value)
             .group_by(CaseResultRow.name).order_by(count.desc(), CaseResultRow.name).limit(limit))
    return [(name, n) for name, n in session.execute(query)]


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

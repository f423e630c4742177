"""Decisions about courses: who may do what, joining, assignments and their windows.

Rules (each tested on SQLite and PostgreSQL in tests/api/test_courses*.py):
- Only site instructors create courses; the creator is the course's instructor.
- Course data is for members only; a non-member (an instructor of another course
  included) gets 403.  Gradebook, statistics and other learners' attempts are for the
  course's TAs and instructors; a learner gets 403.
- Assignments follow new versions of their problems: a learner always submits to the
  current version and attempts on every version count.
- A submission naming an assignment before ``opens_at`` is refused (409): the problem
  itself stays open outside the course, so nothing is lost by waiting.  After
  ``due_at`` it is graded and marked late ("accept") or refused with 409 ("refuse").
- A submission that names no assignment (the web editor names none) records the
  soonest-due open assignment that holds its problem in a course where the author is a
  learner; failing that, the most recently due past-due one that accepts late work,
  marked late; failing that, none (the problem is public: nothing is refused).
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.courses import repository
from app.courses.schemas import (
    AssignmentCreate,
    AssignmentOut,
    AssignmentProblemOut,
    CourseCreate,
    CourseDetail,
    CourseOut,
    MemberOut,
)
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.models import (
    Assignment,
    AssignmentProblem,
    Course,
    CourseRole,
    LatePolicy,
    Submission,
    User,
)

# No 0/O or 1/I/L: codes are read aloud and copied from slides.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def course_for(session: Session, user: User, slug: str,
               roles: tuple[CourseRole, ...] = tuple(CourseRole)) -> tuple[Course, CourseRole]:
    """The course and the caller's role in it; 404 if unknown, 403 unless a member with
    one of ``roles``."""
    course = repository.course_by_slug(session, slug)
    if course is None:
        raise NotFound(f"no course '{slug}'")
    role = repository.role_in(session, course.id, user.id)
    if role is None:
        raise Forbidden(f"you are not a member of course '{slug}'")
    if role not in roles:
        raise Forbidden(f"course '{slug}': only {' and '.join(r.value for r in roles)}s may do this")
    return course, role


def staff_course(session: Session, user: User, slug: str) -> Course:
    return course_for(session, user, slug, repository.STAFF)[0]


def create(session: Session, user: User, body: CourseCreate) -> Course:
    if repository.course_by_slug(session, body.slug) is not None:
        raise Conflict(f"course '{body.slug}' exists")
    course = Course(slug=body.slug, title=body.title, join_code=new_join_code(),
                    created_by=user.id)
    session.add(course)
    try:
        session.flush()
        repository.set_member(session, course.id, user.id, CourseRole.INSTRUCTOR)
        session.commit()
    except IntegrityError as exc:  # a concurrent create won the race
        session.rollback()
        raise Conflict(f"course '{body.slug}' exists") from exc
    return course


def summary(course: Course, role: CourseRole) -> CourseOut:
    staff = role in repository.STAFF
    return CourseOut(slug=course.slug, title=course.title, role=role.value,
                     join_code=course.join_code if staff else None)


def mine(session: Session, user: User) -> list[CourseOut]:
    return [summary(course, role) for course, role in repository.courses_of(session, user.id)]


def join(session: Session, user: User, slug: str, code: str) -> Course:
    """Join as a learner with the course's code; a member keeps their role."""
    course = repository.course_by_slug(session, slug)
    # The same answer for an unknown course and a wrong code: codes are the secret.
    if course is None or not hmac.compare_digest(code.strip().upper().encode(),
                                                 course.join_code.encode()):
        raise Forbidden("wrong join code")
    if repository.role_in(session, course.id, user.id) is None:
        repository.set_member(session, course.id, user.id, CourseRole.LEARNER)
        session.commit()
    return course


def rotate_code(session: Session, user: User, slug: str) -> Course:
    course, _ = course_for(session, user, slug, (CourseRole.INSTRUCTOR,))
    course.join_code = new_join_code()
    session.commit()
    return course


def add_member(session: Session, user: User, slug: str, username: str, role: str) -> None:
    course, _ = course_for(session, user, slug, (CourseRole.INSTRUCTOR,))
    member = repository.user_by_name(session, username)
    if member is None:
        raise NotFound(f"no user '{username}'")
    repository.set_member(session, course.id, member.id, CourseRole(role))
    session.commit()


def add_assignment(session: Session, user: User, slug: str, body: AssignmentCreate) -> Assignment:
    course, _ = course_for(session, user, slug, (CourseRole.INSTRUCTOR,))
    found = repository.problems_by_slug(session, body.problems)
    unknown = [s for s in body.problems if s not in found or found[s].archived
               or found[s].current_version_id is None]
    if unknown:
        raise InvalidInput(f"unknown or unpublished problems: {', '.join(unknown)}")
    assignment = Assignment(course_id=course.id, title=body.title, opens_at=body.opens_at,
                            due_at=body.due_at, late=LatePolicy(body.late))
    session.add(assignment)
    session.flush()
    for position, problem_slug in enumerate(body.problems):
        session.add(AssignmentProblem(assignment_id=assignment.id,
                                      problem_id=found[problem_slug].id, position=position))
    session.commit()
    return assignment


def state(assignment: Assignment, moment: datetime) -> str:
    if moment < utc(assignment.opens_at):
        return "upcoming"
    return "open" if moment <= utc(assignment.due_at) else "closed"


def assignment_views(session: Session, course: Course, user_id: int | None = None
                     ) -> list[AssignmentOut]:
    """The course's assignments by due time; with ``user_id``, that learner's status."""
    rows = repository.assignments(session, course.id)
    problems = repository.assignment_problems(session, [a.id for a in rows])
    best: dict[int, tuple[str, bool]] = {}
    if user_id is not None:
        for row in repository.best_attempts(session, course.id, user_id):
            solved = row.verdict == "accepted"
            best[row.problem_id] = ("solved" if solved else "attempted", bool(row.late))
    now = datetime.now(UTC)
    views = []
    for a in rows:
        items = []
        for pid, pslug, title in problems[a.id]:
            status, late = best.get(pid, ("new", False))
            items.append(AssignmentProblemOut(
                slug=pslug, title=title, status=status if user_id is not None else None,
                late=late if user_id is not None else None))
        views.append(AssignmentOut(id=a.id, course=course.slug, title=a.title, problems=items,
                                   opens_at=a.opens_at, due_at=a.due_at, late=a.late.value,
                                   state=state(a, now)))
    return views


def detail(session: Session, user: User, slug: str) -> CourseDetail:
    course, role = course_for(session, user, slug)
    staff = role in repository.STAFF
    members = ([MemberOut(username=n, role=r.value) for n, r in repository.members(session, course.id)]
               if staff else None)
    return CourseDetail(**summary(course, role).model_dump(), members=members,
                        assignments=assignment_views(session, course,
                                                     None if staff else user.id))


def record_assignment(session: Session, user: User, problem_id: int,
                      assignment_id: int | None) -> tuple[int | None, bool]:
    """(assignment id to record, late) for a new submission, or a 4xx refusal."""
    now = datetime.now(UTC)
    if assignment_id is None:
        found = repository.open_assignment(session, user.id, problem_id, now)
        if found is not None:
            return found.id, False
        late = repository.late_assignment(session, user.id, problem_id, now)
        return (late.id, True) if late is not None else (None, False)
    assignment = repository.get_assignment(session, assignment_id)
    if assignment is None:
        raise NotFound(f"no assignment {assignment_id}")
    if repository.role_in(session, assignment.course_id, user.id) is None:
        raise Forbidden(f"you are not a member of assignment {assignment_id}'s course")
    if not repository.has_problem(session, assignment_id, problem_id):
        raise InvalidInput(f"assignment {assignment_id} does not hold this problem")
    if now < utc(assignment.opens_at):
        raise Conflict(f"assignment {assignment_id} opens at {utc(assignment.opens_at).isoformat()}")
    if now <= utc(assignment.due_at):
        return assignment.id, False
    if assignment.late is LatePolicy.REFUSE:
        raise Conflict(f"assignment {assignment_id} was due at "
                       f"{utc(assignment.due_at).isoformat()} and refuses late submissions")
    return assignment.id, True


def staff_sees_slug(session: Session, viewer: User, owner_id: int, problem_slug: str) -> bool:
    """Whether ``viewer`` is staff of a course where ``owner_id`` is a member and whose
    assignments hold the problem."""
    problem = repository.problem_by_slug(session, problem_slug)
    return problem is not None and repository.staff_sees(session, viewer.id, owner_id, problem.id)


def course_submission(session: Session, user: User, slug: str, submission_id: int
                      ) -> tuple[Submission, str, int, str]:
    """(submission, problem slug, version, author) if ``user`` may see it in this course:
    their own, or, for course staff, a member's attempt on one of the course's problems."""
    course, role = course_for(session, user, slug)
    found = repository.submission_in_course(session, course.id, submission_id)
    if found is None:
        raise NotFound(f"no submission {submission_id} in course '{slug}'")
    submission, problem_slug, version, owner = found
    if submission.user_id != user.id and role not in repository.STAFF:
        raise Forbidden("learners see only their own submissions")
    return submission, problem_slug, version, owner

"""``/api/courses``: courses, membership, assignments, gradebook, statistics and the
course staff's view of a learner's attempt."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from app.courses import gradebook as books
from app.courses import service
from app.courses.schemas import (
    AssignmentCreate,
    AssignmentOut,
    CourseCreate,
    CourseDetail,
    CourseOut,
    Gradebook,
    JoinIn,
    MemberIn,
    ProblemStats,
)
from app.deps import CurrentUser, InstructorUser, SessionDep
from app.submissions import service as submission_service
from app.submissions.schemas import SubmissionOut

router = APIRouter(prefix="/api/courses", tags=["courses"])
CourseSlug = Annotated[str, Path(max_length=64)]
SubmissionId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.post("", status_code=201, response_model=CourseOut)
def create(body: CourseCreate, user: InstructorUser, session: SessionDep) -> CourseOut:
    """Create a course (site instructors); you become its instructor."""
    course = service.create(session, user, body)
    return service.summary(course, service.CourseRole.INSTRUCTOR)


@router.get("", response_model=list[CourseOut])
def mine(user: CurrentUser, session: SessionDep) -> list[CourseOut]:
    """The courses you are a member of, with your role."""
    return service.mine(session, user)


@router.get("/{slug}", response_model=CourseDetail)
def detail(slug: CourseSlug, user: CurrentUser, session: SessionDep) -> CourseDetail:
    """A course with its assignments (members only; learners see their own status)."""
    return service.detail(session, user, slug)


@router.post("/{slug}/join", response_model=CourseOut)
def join(slug: CourseSlug, body: JoinIn, user: CurrentUser, session: SessionDep) -> CourseOut:
    """Join as a learner with the course's code (403 on a wrong code)."""
    course = service.join(session, user, slug, body.code)
    return service.summary(course, service.repository.role_in(session, course.id, user.id)
                           or service.CourseRole.LEARNER)


@router.post("/{slug}/join-code", response_model=CourseOut)
def rotate_code(slug: CourseSlug, user: CurrentUser, session: SessionDep) -> CourseOut:
    """Replace the join code (course instructors); the old one stops working."""
    return service.summary(service.rotate_code(session, user, slug), service.CourseRole.INSTRUCTOR)


@router.post("/{slug}/members", status_code=201, response_model=CourseDetail)
def add_member(slug: CourseSlug, body: MemberIn, user: CurrentUser,
               session: SessionDep) -> CourseDetail:
    """Add a user (or change their role) as learner, TA or instructor (course instructors)."""
    service.add_member(session, user, slug, body.username, body.role)
    return service.detail(session, user, slug)


@router.post("/{slug}/assignments", status_code=201, response_model=AssignmentOut)
def add_assignment(slug: CourseSlug, body: AssignmentCreate, user: CurrentUser,
                   session: SessionDep) -> AssignmentOut:
    """Create an assignment: ordered problems, an open and a due time (UTC offsets
    required), and a late policy ("accept" marks late, "refuse" answers 409)."""
    assignment = service.add_assignment(session, user, slug, body)
    course, _ = service.course_for(session, user, slug)
    return next(a for a in service.assignment_views(session, course) if a.id == assignment.id)


def wants_csv(request: Request, format: str | None) -> bool:
    if format is not None:
        return format == "csv"
    return "text/csv" in request.headers.get("accept", "")


@router.get("/{slug}/gradebook", response_model=Gradebook,
            responses={200: {"content": {"text/csv": {}}}})
def gradebook(slug: CourseSlug, request: Request, user: CurrentUser, session: SessionDep,
              format: str | None = Query(None, pattern="^(json|csv)$")) -> Response:
    """Per learner and problem: best verdict, passed/total of the best attempt, attempts,
    first acceptance, late (course staff).  ``?format=csv`` or ``Accept: text/csv``
    gives a CSV (columns documented in app/courses/gradebook.py and the README)."""
    book = books.gradebook(session, user, slug)
    if not wants_csv(request, format):
        return JSONResponse(book)
    name = f"{book['course']}-gradebook.csv"
    return Response(books.to_csv(book), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/{slug}/problems/{problem}/stats", response_model=ProblemStats)
def stats(slug: CourseSlug, problem: Annotated[str, Path(max_length=64)], user: CurrentUser,
          session: SessionDep) -> ProblemStats:
    """How the course's learners fare on one problem (course staff)."""
    return books.stats(session, user, slug, problem)


@router.get("/{slug}/submissions/{submission_id}", response_model=SubmissionOut)
def submission(slug: CourseSlug, submission_id: SubmissionId, user: CurrentUser,
               session: SessionDep) -> SubmissionOut:
    """A member's attempt on one of the course's problems, with code and per-case results:
    course staff see every member's; a learner only their own (403 otherwise)."""
    sub, problem_slug, version, owner = service.course_submission(session, user, slug,
                                                                  submission_id)
    view = submission_service.view(session, sub, problem_slug, version)
    return view.model_copy(update={"username": owner})

"""Course pages (server-rendered like app/web): my courses with join and create forms,
a course (learners: assignments, due times with a countdown, their status and late
marks; staff: also the join code and a new-assignment form), the sortable gradebook
with its CSV download, a problem's statistics as inline SVG charts, and the viewer of
one attempt (code and per-case results).  Every write goes through the JSON API
(``frontend/src/courses.js``); pages only read, with the same rules as the API.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.courses import gradebook as books
from app.courses import repository, service
from app.deps import SessionDep
from app.errors import DomainError
from app.models import Role
from app.problems import repository as problems_repository
from app.submissions import service as submission_service
from app.web.endpoints import _page, page_user

router = APIRouter(include_in_schema=False)
BAR_WIDTH = 360  # px of the longest bar in a chart


def _signin(request: Request) -> Response:
    return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)


def _denied(request: Request, user: Any, error: DomainError) -> HTMLResponse:
    return _page(request, "courses/denied.html", user, status=error.status, detail=error.detail)


def bars(counts: dict[str, int]) -> list[dict[str, Any]]:
    """Chart rows: label, count, bar width in px (the largest count is ``BAR_WIDTH``)."""
    top = max(counts.values(), default=0) or 1
    return [{"label": label, "count": n, "width": max(2, round(BAR_WIDTH * n / top))}
            for label, n in counts.items()]


@router.get("/courses", response_class=HTMLResponse)
def my_courses(request: Request, session: SessionDep) -> Response:
    user = page_user(request, session)
    if user is None:
        return _signin(request)
    return _page(request, "courses/list.html", user, courses=service.mine(session, user),
                 can_create=user.role in (Role.INSTRUCTOR, Role.ADMIN))


@router.get("/courses/{slug}", response_class=HTMLResponse)
def course_page(slug: str, request: Request, session: SessionDep) -> Response:
    user = page_user(request, session)
    if user is None:
        return _signin(request)
    try:
        detail = service.detail(session, user, slug)
    except DomainError as error:
        return _denied(request, user, error)
    staff = detail.role in ("ta", "instructor")
    problems = ([{"slug": p.slug, "title": v.title}
                 for p, v in problems_repository.current_versions(session)]
                if detail.role == "instructor" else [])
    return _page(request, "courses/course.html", user, course=detail, staff=staff,
                 all_problems=problems)


@router.get("/courses/{slug}/gradebook", response_class=HTMLResponse)
def gradebook_page(slug: str, request: Request, session: SessionDep) -> Response:
    user = page_user(request, session)
    if user is None:
        return _signin(request)
    try:
        book = books.gradebook(session, user, slug)
    except DomainError as error:
        return _denied(request, user, error)
    course = repository.course_by_slug(session, slug)
    return _page(request, "courses/gradebook.html", user, book=book, course=course)


@router.get("/courses/{slug}/problems/{problem}/stats", response_class=HTMLResponse)
def stats_page(slug: str, problem: str, request: Request, session: SessionDep) -> Response:
    user = page_user(request, session)
    if user is None:
        return _signin(request)
    try:
        stats = books.stats(session, user, slug, problem)
    except DomainError as error:
        return _denied(request, user, error)
    mistakes = {m.title: m.count for m in stats.known_mistakes}
    return _page(request, "courses/stats.html", user, slug=slug, stats=stats,
                 verdict_bars=bars(stats.verdicts), hint_bars=bars(stats.hint_categories),
                 mistake_bars=bars(mistakes),
                 case_bars=bars({c.name: c.failed for c in stats.failing_hidden_cases}),
                 bar_width=BAR_WIDTH)


@router.get("/courses/{slug}/submissions/{submission_id}", response_class=HTMLResponse)
def submission_page(slug: str, submission_id: int, request: Request,
                    session: SessionDep) -> Response:
    user = page_user(request, session)
    if user is None:
        return _signin(request)
    try:
        sub, problem_slug, version, owner = service.course_submission(
            session, user, slug, submission_id)
    except DomainError as error:
        return _denied(request, user, error)
    view = submission_service.view(session, sub, problem_slug, version)
    return _page(request, "courses/submission.html", user, slug=slug, sub=view, owner=owner)
